import Logging
import PostgresNIO

/// One versioned schema change: SQL statements applied in order inside one transaction.
/// Statements are separate because PostgreSQL's extended protocol takes one per query.
///
/// Versions are counted per owner — the shared module that owns a set of tables (`outbox`,
/// `realm-members`, `audit`) or the schema's own service (`service`) — so a module can add a
/// migration without knowing anyone else's numbers.
public struct Migration: Sendable, Equatable {
    /// Who owns the tables this changes.
    public var owner: String
    public var version: Int
    public var name: String
    public var statements: [String]

    /// The owner of a service's own migrations.
    public static let serviceOwner = "service"

    public init(owner: String = Migration.serviceOwner, version: Int, name: String, statements: [String]) {
        self.owner = owner
        self.version = version
        self.name = name
        self.statements = statements
    }

    public var id: ID { ID(owner: owner, version: version) }

    /// A migration's identity in `schema_migrations`.
    public struct ID: Sendable, Hashable, CustomStringConvertible {
        public var owner: String
        public var version: Int
        public init(owner: String, version: Int) {
            self.owner = owner
            self.version = version
        }
        public var description: String { "\(owner)/\(version)" }
    }

    public static func == (lhs: Migration, rhs: Migration) -> Bool { lhs.id == rhs.id }

    /// Owner of the outbox and inbox tables.
    public static let outboxOwner = "outbox"

    /// Outbox and inbox tables every service owns, in its own schema.
    public static func messaging(schema: String) -> Migration {
        Migration(
            owner: outboxOwner, version: 1, name: "outbox and inbox",
            statements: [
                """
                CREATE TABLE \(schema).outbox (
                    id bigserial PRIMARY KEY,
                    event_id uuid NOT NULL UNIQUE,
                    event_type text NOT NULL,
                    topic text NOT NULL,
                    key text NOT NULL,
                    payload bytea NOT NULL,
                    created_at timestamptz NOT NULL DEFAULT now()
                )
                """,
                """
                CREATE TABLE \(schema).inbox (
                    event_id uuid PRIMARY KEY,
                    event_type text NOT NULL,
                    topic text NOT NULL,
                    partition integer NOT NULL,
                    "offset" bigint NOT NULL,
                    processed_at timestamptz NOT NULL DEFAULT now()
                )
                """,
            ])
    }

    /// The outbox keeps what it published for a while (`published_at` set instead of the row
    /// deleted), so a service can publish it again when the broker lost it or a re-drive asks
    /// (decision 0014).
    public static func outboxHistory(schema: String) -> Migration {
        Migration(
            owner: outboxOwner, version: 2, name: "outbox keeps published events",
            statements: [
                "ALTER TABLE \(schema).outbox ADD COLUMN published_at timestamptz",
                // Where the broker said it stored the event: lets a restarted relay notice a
                // broker that lost its log while the service was down.
                "ALTER TABLE \(schema).outbox ADD COLUMN published_partition integer",
                "ALTER TABLE \(schema).outbox ADD COLUMN published_offset bigint",
                "CREATE INDEX outbox_pending ON \(schema).outbox (id) WHERE published_at IS NULL",
                "CREATE INDEX outbox_by_key ON \(schema).outbox (key, id)",
                "CREATE INDEX outbox_published ON \(schema).outbox (published_at) WHERE published_at IS NOT NULL",
            ])
    }

    /// The event's W3C trace context beside its payload, so the relay can carry it in a Kafka
    /// header (decision 0024) without parsing the event again.
    public static func outboxTraceContext(schema: String) -> Migration {
        Migration(
            owner: outboxOwner, version: 3, name: "outbox keeps the trace context",
            statements: ["ALTER TABLE \(schema).outbox ADD COLUMN traceparent text"])
    }
}
