/// One entry of a service's audit trail (`clm.audit.record.v1`).
///
/// Each service keeps one hash chain per realm (and one for platform actions, realm
/// `platform`): `hash` covers `previousHash` and every field in `chainFields`, so changing,
/// inserting or deleting a row in the middle breaks the chain at that row.
public struct AuditRecord: Codable, Sendable, Equatable {
    /// The realm that names the platform chain: actions outside any realm (failed logins,
    /// realm creation, CA operations, key-encryption-key rotation). Reserved as a realm id.
    public static let platformRealm = "platform"
    /// The previous hash of a chain's first record.
    public static let genesisHash = String(repeating: "0", count: 64)

    /// The service that wrote it (`registry`, `intake`, …).
    public var service: String
    public var realm: String
    /// Position in the chain, from 1 without gaps.
    public var sequence: Int
    /// RFC 3339 with milliseconds, exactly as hashed.
    public var at: String
    /// Who: a token subject, `system:…`, or the service for its own actions.
    public var actor: String
    /// What, e.g. `policy.version-created`, `approval.declined`, `key.downloaded`.
    public var action: String
    /// On what, e.g. a request id or `policy/web-server/3`.
    public var target: String
    /// Further facts as one line of text (never secrets).
    public var details: String
    public var previousHash: String
    /// Lower-case hex SHA-256 (see `chainFields`).
    public var hash: String

    public init(
        service: String, realm: String, sequence: Int, at: String, actor: String, action: String, target: String,
        details: String, previousHash: String, hash: String
    ) {
        self.service = service
        self.realm = realm
        self.sequence = sequence
        self.at = at
        self.actor = actor
        self.action = action
        self.target = target
        self.details = details
        self.previousHash = previousHash
        self.hash = hash
    }

    /// What the hash covers, in order, after the previous hash.
    public var chainFields: [String] {
        [service, realm, String(sequence), at, actor, action, target, details]
    }
}
