import CLMContracts
import CLMStorage

/// What distinguishes one CLM service from another at bootstrap.
public struct ServiceDefinition: Sendable {
    /// `registry`, `intake`, `approval`, `keygen`, `ca-gateway`.
    public var name: String
    /// The PostgreSQL schema it owns (`ca_gateway` for `ca-gateway`).
    public var schema: String
    public var defaultPort: Int
    /// Its own migrations (owner `service`); the shared tables' migrations are added for it.
    public var migrations: [Migration]
    /// Every topic it consumes, the registry topic included where it keeps a read model of
    /// the registry; a test holds this in step with the event types its handler routes. It
    /// creates every topic it uses at start.
    public var consumes: [Topic]
    public var needsKeyEncryptionKey: Bool
    /// True for the registry: its snapshots feed a compacted topic, so every one is kept and
    /// all are published again when the broker lost its log.
    public var keepsPublishedEvents: Bool

    public init(
        name: String, schema: String, defaultPort: Int, migrations: [Migration], consumes: [Topic],
        needsKeyEncryptionKey: Bool = false, keepsPublishedEvents: Bool = false
    ) {
        self.keepsPublishedEvents = keepsPublishedEvents
        self.name = name
        self.schema = schema
        self.defaultPort = defaultPort
        self.migrations = migrations
        self.consumes = consumes
        self.needsKeyEncryptionKey = needsKeyEncryptionKey
    }

    /// The shared tables' migrations (outbox and inbox, realm members, audit), then its own.
    public var allMigrations: [Migration] {
        [
            Migration.messaging(schema: schema), Migration.outboxHistory(schema: schema),
            Migration.outboxTraceContext(schema: schema),
            RealmMembers.migration(schema: schema), AuditLog.migration(schema: schema),
        ] + migrations
    }
}
