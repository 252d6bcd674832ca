import CLMContracts
import CLMStorage

/// What distinguishes one CLM service from another at bootstrap.
public struct ServiceDefinition: Sendable {
    /// `registry`, `intake`, `approval`, `keygen`, `ca-gateway`.
    public var name: String
    /// The PostgreSQL schema it owns (`ca_gateway` for `ca-gateway`).
    public var schema: String
    public var defaultPort: Int
    /// Its own migrations; the outbox/inbox migration (version 1) is added for it.
    public var migrations: [Migration]
    /// Topics it consumes; it creates every topic it uses at start.
    public var consumes: [Topic]
    public var needsKeyEncryptionKey: Bool
    /// True for the registry, which writes realm memberships; every other service keeps a copy
    /// from the registry topic (`RealmMembers`).
    public var ownsMembers: Bool
    /// True for the registry: its snapshots feed a compacted topic, so every one is kept and
    /// all are published again when the broker lost its log.
    public var keepsPublishedEvents: Bool

    public init(
        name: String, schema: String, defaultPort: Int, migrations: [Migration], consumes: [Topic],
        needsKeyEncryptionKey: Bool = false, ownsMembers: Bool = false, keepsPublishedEvents: Bool = false
    ) {
        self.keepsPublishedEvents = keepsPublishedEvents
        self.ownsMembers = ownsMembers
        self.name = name
        self.schema = schema
        self.defaultPort = defaultPort
        self.migrations = migrations
        self.consumes = consumes
        self.needsKeyEncryptionKey = needsKeyEncryptionKey
    }

    public var allMigrations: [Migration] {
        [
            Migration.messaging(schema: schema), RealmMembers.migration(schema: schema), AuditLog.migration(schema: schema),
            Migration.outboxHistory(schema: schema),
        ]
            + migrations
    }

    /// What the service subscribes to: its own topics, plus the registry topic for the
    /// memberships unless it is their source.
    public var subscriptions: [Topic] {
        ownsMembers || consumes.contains(.registry) ? consumes : consumes + [.registry]
    }
}
