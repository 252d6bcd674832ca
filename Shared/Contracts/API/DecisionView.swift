import Foundation

/// A request's approval workflow as approvers see it (`GET /v1/realms/{realm}/approvals`,
/// `…/approvals/{id}`, and the answer to a vote).
public struct DecisionView: Codable, Sendable, Equatable {
    public struct Vote: Codable, Sendable, Equatable {
        public var voter: String
        /// `approve` or `decline`.
        public var vote: String
        public var comment: String?
        public var at: Date

        public init(voter: String, vote: String, comment: String?, at: Date) {
            self.voter = voter
            self.vote = vote
            self.comment = comment
            self.at = at
        }
    }

    public var request: UUID
    public var realm: String
    public var policy: String
    public var policyVersion: Int
    public var mode: PolicyDocument.Approval.Mode
    public var state: RequestState
    public var requester: String
    /// Approvals (manual) or confirmed addresses (e-mail) the request needs.
    public var required: Int
    public var expiresAt: Date?
    public var decidedBy: String?
    public var reason: String?
    public var subject: [SubjectAttribute]
    public var alternativeNames: [AlternativeName]
    public var validityDays: Int?
    public var votes: [Vote]
    public var createdAt: Date

    public init(
        request: UUID, realm: String, policy: String, policyVersion: Int, mode: PolicyDocument.Approval.Mode,
        state: RequestState, requester: String, required: Int, expiresAt: Date?, decidedBy: String?, reason: String?,
        subject: [SubjectAttribute], alternativeNames: [AlternativeName], validityDays: Int?, votes: [Vote],
        createdAt: Date
    ) {
        self.request = request
        self.realm = realm
        self.policy = policy
        self.policyVersion = policyVersion
        self.mode = mode
        self.state = state
        self.requester = requester
        self.required = required
        self.expiresAt = expiresAt
        self.decidedBy = decidedBy
        self.reason = reason
        self.subject = subject
        self.alternativeNames = alternativeNames
        self.validityDays = validityDays
        self.votes = votes
        self.createdAt = createdAt
    }

    /// The approvers who voted to approve, in voting order.
    public var approvals: [String] { votes.filter { $0.vote == "approve" }.map(\.voter) }
}
