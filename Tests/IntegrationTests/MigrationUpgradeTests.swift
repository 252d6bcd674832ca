import CLMServiceKit
import CLMStorage
import Foundation
import Logging
import PostgresNIO
import Testing

@testable import Keygen

/// Migrations on a real PostgreSQL: a fresh schema gets every migration in the defined order,
/// and a schema migrated by the code before versions were per owner (one global number) is
/// converted without applying anything twice.
@Suite("Migration upgrade", .serialized, .timeLimit(.minutes(3)))
struct MigrationUpgradeTests {
    static let definition = KeygenModule.definition

    @Test("a fresh schema records every migration under its owner, in the defined order")
    func fresh() async throws {
        let db = try await InProcessDatabase.start(Self.definition)
        defer { db.stop() }
        let rows = try db.database.query(
            "SELECT owner || '/' || version FROM keygen.schema_migrations ORDER BY applied_at")
        #expect(rows == Migrator.plan(Self.definition.allMigrations, applied: []).map(\.id.description))
        #expect(rows.first == "outbox/1")
    }

    @Test("a schema migrated with global version numbers is converted and nothing is applied again")
    func upgrade() async throws {
        let db = try await InProcessDatabase.start(Self.definition, migrate: false)
        defer { db.stop() }
        // What the code before per-owner versions left: each migration applied in global
        // version order, recorded by number alone.
        let legacyNumber: [Migration.ID: Int] = [
            .init(owner: "outbox", version: 1): 1, .init(owner: "outbox", version: 2): 102,
            .init(owner: "realm-members", version: 1): 100, .init(owner: "audit", version: 1): 101,
        ]
        // Migrations of shared owners written after the conversion (outbox/3 on) never existed
        // under global numbers: the upgrade applies them as new.
        let legacy = Self.definition.allMigrations.filter { $0.id.owner != "outbox" || $0.id.version <= 2 }
            .map { ($0, legacyNumber[$0.id] ?? $0.version) }.sorted { $0.1 < $1.1 }
        try await db.client.transaction(logger: db.logger) { connection in
            try await connection.query(
                """
                CREATE TABLE keygen.schema_migrations (
                    version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())
                """, logger: db.logger)
            for (migration, number) in legacy {
                for statement in migration.statements {
                    try await connection.query(PostgresQuery(unsafeSQL: statement), logger: db.logger)
                }
                try await connection.query(
                    "INSERT INTO keygen.schema_migrations (version, name) VALUES (\(number), \(migration.name))",
                    logger: db.logger)
            }
        }
        // A row the old code wrote: the upgrade must keep the data.
        try await db.client.query(
            "INSERT INTO keygen.orders (request_id, realm, key_spec, requester) VALUES (gen_random_uuid(), 'r', 'ec:P-256', 'kim')",
            logger: db.logger)
        // Re-applying any migration would fail (CREATE TABLE of an existing table).
        try await Migrator.migrate(
            client: db.client, schema: "keygen", migrations: Self.definition.allMigrations, logger: db.logger)
        try await Migrator.migrate(
            client: db.client, schema: "keygen", migrations: Self.definition.allMigrations, logger: db.logger)
        let rows = try db.database.query("SELECT owner || '/' || version FROM keygen.schema_migrations")
        #expect(Set(rows) == Set(Self.definition.allMigrations.map(\.id.description)))
        #expect(rows.count == Self.definition.allMigrations.count)
        #expect(try db.database.scalar("SELECT count(*) FROM keygen.orders") == "1")
    }
}
