import CLMContracts
import Foundation

/// Starts a submitted request's workflow: approves it at once, or records the wait for
/// e-mail confirmations or approvers and says so.
struct StartWorkflow: Sendable {
    enum Started: Sendable, Equatable {
        case approved
        /// Verification mails are due.
        case awaitingVerification
        case awaitingApproval
        /// The request has a workflow already; nothing changed.
        case replayed
    }

    /// Runs in the transaction that applies the submitted event.
    func start(_ submitted: RequestSubmitted, in tx: any ApprovalTransaction, now: Date = Date()) async throws
        -> Started
    {
        let plan = try WorkflowPlan.plan(for: submitted, now: now)
        guard try await tx.insertDecision(submitted, plan: plan) else { return .replayed }
        let id = submitted.request
        let realm = submitted.realm
        let expiresAt = plan.expiresAt ?? now
        switch plan.state {
        case .approved:
            try await tx.publish(
                RequestApproved(
                    request: id, realm: realm, approvedBy: [plan.decidedBy ?? "system:automatic"],
                    reason: plan.reason ?? ""),
                about: id, realm: realm)
            return .approved
        case .awaitingVerification:
            try await tx.addVerifications(id, emails: plan.verificationEmails)
            let addresses = plan.verificationEmails.joined(separator: ", ")
            try await tx.publish(
                RequestAwaiting(
                    request: id, realm: realm, state: .awaitingVerification, required: plan.required, received: [],
                    expiresAt: expiresAt,
                    reason: "waiting for e-mail verification by \(addresses); the link works until "
                        + ContractCoding.formatTimestamp(expiresAt)),
                about: id, realm: realm)
            return .awaitingVerification
        default:
            let required = plan.required
            try await tx.publish(
                RequestAwaiting(
                    request: id, realm: realm, state: .awaitingApproval, required: required, received: [],
                    expiresAt: expiresAt,
                    reason: "waiting for \(required) approval\(required == 1 ? "" : "s") by approvers of realm "
                        + "\(realm) other than the requester"),
                about: id, realm: realm)
            return .awaitingApproval
        }
    }
}
