import CLMContracts
import Foundation

/// The manual (four-eyes) workflow's rules, free of I/O: who may vote on a waiting request
/// and what a vote does.
enum ApprovalRules {
    enum Vote: String, Sendable { case approve, decline }

    /// What the workflow knows of a request when a vote arrives.
    struct Waiting: Sendable, Equatable {
        var state: RequestState
        var requester: String
        var required: Int
        /// Approvers so far, in order.
        var approvals: [String]
        var expiresAt: Date
    }

    enum Outcome: Sendable, Equatable {
        /// Counted; still waiting for more approvals.
        case recorded(approvals: [String])
        /// The last approval needed.
        case approved(approvers: [String])
        case declined
    }

    enum Refusal: Error, Sendable, Equatable {
        case notWaiting(RequestState)
        case expired
        case selfApproval
        case alreadyApproved
    }

    static func apply(_ vote: Vote, by voter: String, to waiting: Waiting, now: Date) -> Result<Outcome, Refusal> {
        guard waiting.state == .awaitingApproval else { return .failure(.notWaiting(waiting.state)) }
        guard now < waiting.expiresAt else { return .failure(.expired) }
        switch vote {
        case .decline:
            // A requester may withdraw their own request; declining needs no second pair of eyes.
            return .success(.declined)
        case .approve:
            guard voter != waiting.requester else { return .failure(.selfApproval) }
            guard !waiting.approvals.contains(voter) else { return .failure(.alreadyApproved) }
            let approvals = waiting.approvals + [voter]
            return .success(
                approvals.count >= waiting.required ? .approved(approvers: approvals) : .recorded(approvals: approvals))
        }
    }
}
