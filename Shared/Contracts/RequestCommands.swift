import Foundation

/// `clm.request.submit.v1` on the command topic: what `POST /v1/realms/{realm}/requests` does,
/// for systems that talk Kafka. The envelope's `realm` names the target realm; the caller
/// proves who it is with the same bearer token the API takes.
public struct SubmitCommand: Codable, Sendable, Equatable {
    /// A bearer JWT (without the `Bearer ` prefix). Never logged, stored or echoed.
    public var token: String
    public var policy: String
    public var policyVersion: Int?
    public var entities: [String]
    public var csr: String?
    public var keyGeneration: String?
    public var validityDays: Int?
    /// With `keyGeneration`: the password the key bundle download will need. Never logged or stored.
    public var keyPassword: String?
    /// Like the HTTP `Idempotency-Key`: a retry with the same key answers with the original request.
    public var idempotencyKey: String?

    public init(
        token: String, policy: String, policyVersion: Int? = nil, entities: [String], csr: String? = nil,
        keyGeneration: String? = nil, validityDays: Int? = nil, keyPassword: String? = nil,
        idempotencyKey: String? = nil
    ) {
        self.keyPassword = keyPassword
        self.token = token
        self.policy = policy
        self.policyVersion = policyVersion
        self.entities = entities
        self.csr = csr
        self.keyGeneration = keyGeneration
        self.validityDays = validityDays
        self.idempotencyKey = idempotencyKey
    }
}

/// `clm.request.command-result.v1`: the one answer to each command (intake's to a submission, the CA
/// gateway's to a revocation), keyed by the
/// command's event id. Accepted: the request (new, or the original for an idempotent
/// retry). Refused: the same code and reason the API would answer with.
public struct CommandResult: Codable, Sendable, Equatable {
    /// The command's CloudEvent id.
    public var command: UUID
    public var realm: String
    public var accepted: Bool
    public var request: UUID?
    /// For an accepted revoke command: the revoked certificate's serial.
    public var serialNumber: String?
    /// Problem code when refused (`unauthenticated`, `not-found`, `forbidden`, `policy-mismatch`, …).
    public var code: String?
    public var reason: String?
    public var violations: [String]?

    public init(
        command: UUID, realm: String, accepted: Bool, request: UUID? = nil, serialNumber: String? = nil,
        code: String? = nil, reason: String? = nil, violations: [String]? = nil
    ) {
        self.serialNumber = serialNumber
        self.command = command
        self.realm = realm
        self.accepted = accepted
        self.request = request
        self.code = code
        self.reason = reason
        self.violations = violations
    }
}
