import CLMContracts
import CLMStorage
import Foundation
import Logging
import PostgresNIO

/// The registry's SQL (realms, policies, end entities), kept apart from HTTP handling; the
/// memberships' SQL is `RealmMembers`'.
struct RegistryStore: Sendable {
    func insertRealm(_ realm: RealmSnapshot, on connection: PostgresConnection, logger: Logger) async throws -> Bool {
        let rows = try await connection.query(
            """
            INSERT INTO registry.realms (id, display_name, created_at, cas)
            VALUES (\(realm.realm), \(realm.displayName), \(realm.createdAt), \(realm.knownCAs))
            ON CONFLICT (id) DO NOTHING RETURNING id
            """, logger: logger
        ).collectAll()
        return !rows.isEmpty
    }

    /// The realm; with `lock`, its row stays locked to the end of the transaction, which
    /// serialises changes of its CAs and policies.
    func realm(_ id: String, lock: Bool = false, on connection: PostgresConnection, logger: Logger) async throws
        -> RealmSnapshot?
    {
        try await connection.query(
            """
            SELECT id, display_name, created_at, cas FROM registry.realms WHERE id = \(id)
            \(unescaped: lock ? "FOR UPDATE" : "")
            """, logger: logger
        ).decode((String, String, Date, [String]).self).collectAll().first.map {
            RealmSnapshot(realm: $0.0, displayName: $0.1, createdAt: $0.2, cas: $0.3)
        }
    }

    func realms(on connection: PostgresConnection, logger: Logger) async throws -> [RealmSnapshot] {
        let rows = try await connection.query(
            "SELECT id, display_name, created_at, cas FROM registry.realms ORDER BY id", logger: logger
        ).decode((String, String, Date, [String]).self).collectAll()
        return rows.map { RealmSnapshot(realm: $0.0, displayName: $0.1, createdAt: $0.2, cas: $0.3) }
    }

    func setCAs(_ cas: [String], realm: String, on connection: PostgresConnection, logger: Logger) async throws {
        try await connection.query("UPDATE registry.realms SET cas = \(cas) WHERE id = \(realm)", logger: logger)
    }

    /// Ids of the policies whose latest version names `ca`.
    func policiesUsing(ca: String, realm: String, on connection: PostgresConnection, logger: Logger) async throws
        -> [String]
    {
        try await connection.query(
            """
            SELECT id FROM (
                SELECT DISTINCT ON (id) id, document->>'ca' AS ca FROM registry.policies
                WHERE realm = \(realm) ORDER BY id, version DESC
            ) latest WHERE ca = \(ca) ORDER BY id
            """, logger: logger
        ).decode(String.self).collectAll()
    }

    func latestPolicyVersion(realm: String, id: String, on connection: PostgresConnection, logger: Logger) async throws
        -> Int?
    {
        // FOR UPDATE on the realm row serialises concurrent edits of one realm's policies.
        _ = try await connection.query("SELECT id FROM registry.realms WHERE id = \(realm) FOR UPDATE", logger: logger)
            .collectAll()
        return try await connection.query(
            "SELECT max(version) FROM registry.policies WHERE realm = \(realm) AND id = \(id)", logger: logger
        ).decode(Int?.self).collectAll().first ?? nil
    }

    func insertPolicy(_ snapshot: PolicySnapshot, on connection: PostgresConnection, logger: Logger) async throws {
        let document = try JSONColumn.encode(snapshot.document)
        try await connection.query(
            """
            INSERT INTO registry.policies (realm, id, version, document, created_at)
            VALUES (\(snapshot.realm), \(snapshot.policy), \(snapshot.version), \(document)::jsonb,
                    \(snapshot.createdAt))
            """, logger: logger)
    }

    func policy(
        realm: String, id: String, version: Int?, on connection: PostgresConnection, logger: Logger
    ) async throws -> PolicySnapshot? {
        let rows =
            if let version {
                try await connection.query(
                    """
                    SELECT version, document::text, created_at FROM registry.policies
                    WHERE realm = \(realm) AND id = \(id) AND version = \(version)
                    """, logger: logger
                ).decode((Int, String, Date).self).collectAll()
            } else {
                try await connection.query(
                    """
                    SELECT version, document::text, created_at FROM registry.policies
                    WHERE realm = \(realm) AND id = \(id) ORDER BY version DESC LIMIT 1
                    """, logger: logger
                ).decode((Int, String, Date).self).collectAll()
            }
        return try rows.first.map { try Self.policy(realm: realm, id: id, version: $0.0, document: $0.1, at: $0.2) }
    }

    /// Every version of one policy, oldest first.
    func policyVersions(realm: String, id: String, on connection: PostgresConnection, logger: Logger) async throws
        -> [PolicySnapshot]
    {
        try await connection.query(
            """
            SELECT version, document::text, created_at FROM registry.policies
            WHERE realm = \(realm) AND id = \(id) ORDER BY version
            """, logger: logger
        ).decode((Int, String, Date).self).collectAll().map {
            try Self.policy(realm: realm, id: id, version: $0.0, document: $0.1, at: $0.2)
        }
    }

    /// The latest version of every policy of a realm.
    func policies(realm: String, on connection: PostgresConnection, logger: Logger) async throws -> [PolicySnapshot] {
        try await connection.query(
            """
            SELECT DISTINCT ON (id) id, version, document::text, created_at FROM registry.policies
            WHERE realm = \(realm) ORDER BY id, version DESC
            """, logger: logger
        ).decode((String, Int, String, Date).self).collectAll().map {
            try Self.policy(realm: realm, id: $0.0, version: $0.1, document: $0.2, at: $0.3)
        }
    }

    private static func policy(realm: String, id: String, version: Int, document: String, at createdAt: Date) throws
        -> PolicySnapshot
    {
        PolicySnapshot(
            realm: realm, policy: id, version: version,
            document: try JSONColumn.decode(PolicyDocument.self, from: document), createdAt: createdAt)
    }

    func entityRevision(realm: String, id: String, on connection: PostgresConnection, logger: Logger) async throws
        -> Int?
    {
        try await connection.query(
            "SELECT revision FROM registry.end_entities WHERE realm = \(realm) AND id = \(id) FOR UPDATE",
            logger: logger
        ).decode(Int.self).collectAll().first
    }

    func upsertEntity(_ snapshot: EndEntitySnapshot, on connection: PostgresConnection, logger: Logger) async throws {
        let entity = try JSONColumn.encode(snapshot.entity)
        try await connection.query(
            """
            INSERT INTO registry.end_entities (realm, id, revision, entity)
            VALUES (\(snapshot.realm), \(snapshot.entity.id), \(snapshot.revision), \(entity)::jsonb)
            ON CONFLICT (realm, id) DO UPDATE
            SET revision = EXCLUDED.revision, entity = EXCLUDED.entity, updated_at = now()
            """, logger: logger)
    }

    func entity(realm: String, id: String, on connection: PostgresConnection, logger: Logger) async throws
        -> EndEntitySnapshot?
    {
        try await connection.query(
            "SELECT revision, entity::text FROM registry.end_entities WHERE realm = \(realm) AND id = \(id)",
            logger: logger
        ).decode((Int, String).self).collectAll().first.map { try Self.entity(realm: realm, revision: $0.0, $0.1) }
    }

    func entities(realm: String, on connection: PostgresConnection, logger: Logger) async throws
        -> [EndEntitySnapshot]
    {
        try await connection.query(
            "SELECT revision, entity::text FROM registry.end_entities WHERE realm = \(realm) ORDER BY id",
            logger: logger
        ).decode((Int, String).self).collectAll().map { try Self.entity(realm: realm, revision: $0.0, $0.1) }
    }

    private static func entity(realm: String, revision: Int, _ text: String) throws -> EndEntitySnapshot {
        EndEntitySnapshot(realm: realm, entity: try JSONColumn.decode(EndEntity.self, from: text), revision: revision)
    }
}
