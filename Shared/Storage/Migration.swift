import Logging
import PostgresNIO

/// One versioned schema change: SQL statements applied in order inside one transaction.
/// Statements are separate because PostgreSQL's extended protocol takes one per query.
public struct Migration: Sendable {
    public var version: Int
    public var name: String
    public var statements: [String]

    public init(version: Int, name: String, statements: [String]) {
        self.version = version
        self.name = name
        self.statements = statements
    }

    /// Outbox and inbox tables every service owns, in its own schema.
    public static func messaging(schema: String) -> Migration {
        Migration(
            version: 1, name: "outbox and inbox",
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
            version: 102, name: "outbox keeps published events",
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
}

/// Applies pending migrations at start. Several instances may start at once: a transaction
/// advisory lock per schema makes one apply them while the others wait and then find
/// nothing to do.
public enum Migrator {
    public static func migrate(
        client: PostgresClient, schema: String, migrations: [Migration], logger: Logger
    ) async throws {
        let sorted = migrations.sorted { $0.version < $1.version }
        precondition(Set(sorted.map(\.version)).count == sorted.count, "duplicate migration versions in \(schema)")
        try await client.transaction(logger: logger) { connection in
            try await connection.query(
                "SELECT pg_advisory_xact_lock(hashtext(\("clm.migrations." + schema)))", logger: logger)
            try await connection.query(
                PostgresQuery(
                    unsafeSQL: """
                        CREATE TABLE IF NOT EXISTS \(schema).schema_migrations (
                            version integer PRIMARY KEY,
                            name text NOT NULL,
                            applied_at timestamptz NOT NULL DEFAULT now()
                        )
                        """), logger: logger)
            var applied = Set<Int>()
            for try await version in try await connection.query(
                PostgresQuery(unsafeSQL: "SELECT version FROM \(schema).schema_migrations"), logger: logger
            ).decode(Int.self) {
                applied.insert(version)
            }
            for migration in sorted where !applied.contains(migration.version) {
                logger.info(
                    "applying migration",
                    metadata: ["db.schema": "\(schema)", "migration": "\(migration.version) \(migration.name)"])
                for statement in migration.statements {
                    try await connection.query(PostgresQuery(unsafeSQL: statement), logger: logger)
                }
                try await connection.query(
                    PostgresQuery(
                        unsafeSQL: "INSERT INTO \(schema).schema_migrations (version, name) VALUES ($1, $2)",
                        binds: {
                            var binds = PostgresBindings()
                            binds.append(migration.version)
                            binds.append(migration.name)
                            return binds
                        }()), logger: logger)
            }
        }
    }
}
