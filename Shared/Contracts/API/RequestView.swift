import Foundation

/// A request as the API shows it (`GET /v1/realms/{realm}/requests/{id}`).
public struct RequestView: Codable, Sendable {
    public struct Change: Codable, Sendable {
        public var state: RequestState
        public var actor: String
        public var reason: String
        public var at: Date

        public init(state: RequestState, actor: String, reason: String, at: Date) {
            self.state = state
            self.actor = actor
            self.reason = reason
            self.at = at
        }
    }

    /// Who or what the workflow is waiting for.
    public struct Waiting: Codable, Sendable {
        public var required: Int
        public var received: [String]
        public var expiresAt: Date

        public init(required: Int, received: [String], expiresAt: Date) {
            self.required = required
            self.received = received
            self.expiresAt = expiresAt
        }
    }

    public var id: UUID
    public var realm: String
    /// The token subject that submitted the request.
    public var requester: String
    public var approvalMode: PolicyDocument.Approval.Mode
    public var policy: String
    public var policyVersion: Int
    public var state: RequestState
    public var keySource: KeySource
    /// Validity the policy allowed; the CA may shorten it to its own lifetime.
    public var validityDays: Int
    public var validityNote: String?
    public var subject: [SubjectAttribute]
    public var alternativeNames: [AlternativeName]
    public var serialNumber: String?
    /// While the request waits for e-mail confirmations or approvers.
    public var waiting: Waiting?
    /// For server-generated keys: `sealed` until downloaded, then what destroyed it.
    public var keyStatus: String?
    /// Why the request is held up right now (e.g. `ca-unavailable: …`), if it is.
    public var notice: String?
    public var createdAt: Date
    public var updatedAt: Date
    public var history: [Change]?
    /// For a renewal: the certificate it renews.
    public var renewalOf: RenewalOf?

    /// A request as recorded: what was submitted, and where the workflow has taken it.
    public init(
        submitted request: RequestSubmitted, state: RequestState, validityNote: String?, serialNumber: String?,
        waiting: Waiting?, keyStatus: String?, notice: String?, createdAt: Date, updatedAt: Date,
        history: [Change]? = nil
    ) {
        self.id = request.request
        self.realm = request.realm
        self.requester = request.requester
        self.approvalMode = request.approval.mode
        self.policy = request.policy
        self.policyVersion = request.policyVersion
        self.state = state
        self.keySource = request.keySource
        self.validityDays = request.validityDays
        self.validityNote = validityNote
        self.subject = request.subject
        self.alternativeNames = request.alternativeNames
        self.serialNumber = serialNumber
        self.waiting = waiting
        self.keyStatus = keyStatus
        self.notice = notice
        self.createdAt = createdAt
        self.updatedAt = updatedAt
        self.history = history
        self.renewalOf = request.renewalOf
    }
}
