import Logging
import PostgresNIO

/// Applies pending migrations at start. Several instances may start at once: a transaction
/// advisory lock per schema makes one apply them while the others wait and then find
/// nothing to do.
///
/// The order is defined: owners in the order the list names them first, each owner's
/// migrations by version. A database from before versions were counted per owner (one
/// global number: outbox 1 and 102, realm members 100, audit 101, the service the rest) has
/// its `schema_migrations` rows converted first, so nothing is applied twice.
public enum Migrator {
    /// The global version numbers of the shared migrations before versions were per owner.
    static let legacyVersions: [Int: Migration.ID] = [
        1: .init(owner: Migration.outboxOwner, version: 1),
        102: .init(owner: Migration.outboxOwner, version: 2),
        100: .init(owner: "realm-members", version: 1),
        101: .init(owner: "audit", version: 1),
    ]

    /// The owner and version a pre-namespace row stands for.
    public static func legacyID(_ version: Int) -> Migration.ID {
        legacyVersions[version] ?? .init(owner: Migration.serviceOwner, version: version)
    }

    /// The migrations still to apply, in the order they are applied.
    public static func plan(_ migrations: [Migration], applied: Set<Migration.ID>) -> [Migration] {
        precondition(
            Set(migrations.map(\.id)).count == migrations.count, "duplicate migrations: \(migrations.map(\.id))")
        var rank: [String: Int] = [:]
        for migration in migrations where rank[migration.owner] == nil { rank[migration.owner] = rank.count }
        return migrations.filter { !applied.contains($0.id) }.sorted {
            (rank[$0.owner]!, $0.version) < (rank[$1.owner]!, $1.version)
        }
    }

    public static func migrate(
        client: PostgresClient, schema: String, migrations: [Migration], logger: Logger
    ) async throws {
        try await client.transaction(logger: logger) { connection in
            try await connection.query(
                "SELECT pg_advisory_xact_lock(hashtext(\("clm.migrations." + schema)))", logger: logger)
            try await connection.query(
                """
                CREATE TABLE IF NOT EXISTS \(unescaped: schema).schema_migrations (
                    owner text NOT NULL,
                    version integer NOT NULL,
                    name text NOT NULL,
                    applied_at timestamptz NOT NULL DEFAULT clock_timestamp(),
                    PRIMARY KEY (owner, version)
                )
                """, logger: logger)
            try await convertLegacyTable(schema: schema, on: connection, logger: logger)
            var applied = Set<Migration.ID>()
            for try await (owner, version) in try await connection.query(
                "SELECT owner, version FROM \(unescaped: schema).schema_migrations", logger: logger
            ).decode((String, Int).self) {
                applied.insert(Migration.ID(owner: owner, version: version))
            }
            for migration in plan(migrations, applied: applied) {
                logger.info(
                    "applying migration",
                    metadata: ["db.schema": "\(schema)", "migration": "\(migration.id) \(migration.name)"])
                for statement in migration.statements {
                    try await connection.query(PostgresQuery(unsafeSQL: statement), logger: logger)
                }
                try await connection.query(
                    """
                    INSERT INTO \(unescaped: schema).schema_migrations (owner, version, name)
                    VALUES (\(migration.owner), \(migration.version), \(migration.name))
                    """, logger: logger)
            }
        }
    }

    /// Gives a `schema_migrations` table from before owners existed its owner column.
    private static func convertLegacyTable(schema: String, on connection: PostgresConnection, logger: Logger)
        async throws
    {
        let hasOwner = try await connection.query(
            """
            SELECT 1 FROM information_schema.columns
            WHERE table_schema = \(schema) AND table_name = 'schema_migrations' AND column_name = 'owner'
            """, logger: logger
        ).collectAll()
        guard hasOwner.isEmpty else { return }
        logger.notice("converting schema_migrations to per-owner versions", metadata: ["db.schema": "\(schema)"])
        let table = "\(schema).schema_migrations"
        try await connection.query("ALTER TABLE \(unescaped: table) ADD COLUMN owner text", logger: logger)
        try await connection.query(
            "ALTER TABLE \(unescaped: table) DROP CONSTRAINT schema_migrations_pkey", logger: logger)
        let versions = try await connection.query("SELECT version FROM \(unescaped: table)", logger: logger)
            .decode(Int.self).collectAll()
        for version in versions {
            let id = legacyID(version)
            try await connection.query(
                "UPDATE \(unescaped: table) SET owner = \(id.owner), version = \(id.version) WHERE version = \(version) AND owner IS NULL",
                logger: logger)
        }
        try await connection.query("ALTER TABLE \(unescaped: table) ALTER COLUMN owner SET NOT NULL", logger: logger)
        try await connection.query("ALTER TABLE \(unescaped: table) ADD PRIMARY KEY (owner, version)", logger: logger)
    }
}
