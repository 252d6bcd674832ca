import CLMContracts
import Foundation

/// A request's approval workflow: the API's view is the read model itself.
typealias Decision = DecisionView

extension Decision {
    /// What the manual workflow's rules judge a vote against.
    var waiting: ApprovalRules.Waiting {
        ApprovalRules.Waiting(
            state: state, requester: requester, required: required,
            approvals: approvals,
            expiresAt: expiresAt ?? .distantFuture)
    }
}

/// How a submitted request's workflow begins, as the policy version it was judged under
/// says: approved at once, or waiting for e-mail confirmations or approvers.
struct WorkflowPlan: Sendable, Equatable {
    var state: RequestState
    var required: Int
    var expiresAt: Date?
    /// The addresses to mail a link to (e-mail verification only).
    var verificationEmails: [String]
    /// Who decided and why, when the plan is a decision already (automatic approval).
    var decidedBy: String?
    var reason: String?

    static func plan(for submitted: RequestSubmitted, now: Date) throws(Problem) -> WorkflowPlan {
        let approval = submitted.approval
        let expiresAt = approval.waitSeconds.map { now.addingTimeInterval(TimeInterval($0)) }
        switch approval.mode {
        case .automatic:
            return WorkflowPlan(
                state: .approved, required: 0, expiresAt: expiresAt, verificationEmails: [],
                decidedBy: "system:automatic",
                reason: "policy \(submitted.policy) v\(submitted.policyVersion) approves automatically")
        case .email:
            let emails = submitted.verificationEmails ?? []
            guard !emails.isEmpty else {
                throw Problem.invalid(
                    "no-verification-addresses",
                    "request \(submitted.request) asks for e-mail verification without addresses")
            }
            return WorkflowPlan(
                state: .awaitingVerification, required: emails.count, expiresAt: expiresAt,
                verificationEmails: emails)
        case .manual:
            return WorkflowPlan(
                state: .awaitingApproval, required: approval.approvers ?? 2, expiresAt: expiresAt,
                verificationEmails: [])
        }
    }
}

/// What a verification link shows: the API's view (`GET /v1/verify/{token}`).
typealias LinkView = VerificationLinkView
