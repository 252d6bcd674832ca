import CLMContracts
import Foundation
import Logging

/// An approver's vote on a request waiting for approvers (the manual workflow). When it
/// settles the request, the outcome is published in the same transaction.
struct CastVote: Sendable {
    let storage: any ApprovalStorage

    /// Records the vote; returns the decision as it stands after it.
    func vote(
        _ vote: ApprovalRules.Vote, on id: UUID, realm: String, by voter: String, comment: String?, logger: Logger,
        now: Date = Date()
    ) async throws -> Decision {
        try Self.checkText(comment, field: vote == .approve ? "comment" : "reason", required: vote == .decline)
        return try await storage.transaction(logger: logger) { tx in
            guard let decision = try await tx.lockDecision(id, realm: realm) else {
                throw Problem.notFound("approval of request \(id)")
            }
            let outcome = try Self.judge(vote, by: voter, on: decision, now: now)
            try await tx.recordVote(id, voter: voter, vote: vote, comment: comment)
            try await tx.audit(
                realm: realm, actor: voter, action: vote == .approve ? "approval.approved" : "approval.declined",
                target: id.lowercasedString, details: comment ?? "")
            try await Self.settle(outcome, of: decision, voter: voter, comment: comment, in: tx)
            guard let updated = try await tx.decision(id, realm: realm) else {
                throw Problem.notFound("approval of request \(id)")
            }
            return updated
        }
    }

    /// A comment may be left out; a decline must say why. Either way at most 1000 characters.
    static func checkText(_ text: String?, field: String, required: Bool) throws(Problem) {
        let trimmed = text?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
        if required && trimmed.isEmpty {
            throw Problem.invalid("missing-field", "\(field): say why (1...1000 characters)")
        }
        if trimmed.count > 1000 { throw Problem.invalid("invalid-field", "\(field): at most 1000 characters") }
    }

    /// The rules' verdict, or the refusal as a problem.
    static func judge(_ vote: ApprovalRules.Vote, by voter: String, on decision: Decision, now: Date) throws(Problem)
        -> ApprovalRules.Outcome
    {
        let id = decision.request
        switch ApprovalRules.apply(vote, by: voter, to: decision.waiting, now: now) {
        case .success(let outcome):
            return outcome
        case .failure(.selfApproval):
            throw Problem.forbidden("self-approval", "the requester cannot approve their own request")
        case .failure(.alreadyApproved):
            throw Problem.conflict("already-approved", "\(voter) already approved request \(id)")
        case .failure(.expired):
            throw Problem.conflict("expired", "request \(id) waited past its deadline and expires")
        case .failure(.notWaiting(let state)):
            throw Problem.conflict(
                "not-awaiting-approval", "request \(id) is \(state.rawValue); it does not wait for approvers")
        }
    }

    private static func settle(
        _ outcome: ApprovalRules.Outcome, of decision: Decision, voter: String, comment: String?,
        in tx: any ApprovalTransaction
    ) async throws {
        let id = decision.request
        let realm = decision.realm
        switch outcome {
        case .declined:
            let reason = comment ?? "declined"
            try await tx.decide(id, state: .declined, by: voter, reason: reason)
            try await tx.publish(
                RequestDeclined(request: id, realm: realm, declinedBy: voter, reason: reason), about: id, realm: realm)
        case .approved(let approvers):
            let reason = "approved by \(approvers.joined(separator: ", ")) (\(approvers.count) of \(decision.required))"
            try await tx.decide(id, state: .approved, by: approvers.joined(separator: ", "), reason: reason)
            try await tx.publish(
                RequestApproved(request: id, realm: realm, approvedBy: approvers, reason: reason), about: id,
                realm: realm)
        case .recorded(let approvals):
            try await tx.publish(
                RequestAwaiting(
                    request: id, realm: realm, state: .awaitingApproval, required: decision.required,
                    received: approvals, expiresAt: decision.waiting.expiresAt,
                    reason: "approved by \(voter) (\(approvals.count) of \(decision.required))"),
                about: id, realm: realm)
        }
    }
}
