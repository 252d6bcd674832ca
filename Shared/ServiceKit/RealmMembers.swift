import CLMContracts
import CLMIdentity
import CLMStorage
import Foundation
import Logging
import PostgresNIO

/// Realm memberships: the roles realm admins granted through the registry, kept in every
/// service's own schema and added to the roles a principal's token carries.
///
/// The registry writes its table directly (it is the source); every other service fills its
/// copy from `clm.registry.member.v1` events. A lookup is one indexed query per request, so
/// all instances of a service see the same grants as soon as one of them consumed the event.
public struct RealmMembers: Sendable {
    public let schema: String

    public init(schema: String) {
        self.schema = schema
    }

    /// Added to every service's migrations.
    public static func migration(schema: String) -> Migration {
        Migration(
            owner: "realm-members", version: 1, name: "realm members",
            statements: [
                """
                CREATE TABLE \(schema).realm_members (
                    realm text NOT NULL,
                    subject text NOT NULL,
                    roles text[] NOT NULL,
                    revision integer NOT NULL CHECK (revision > 0),
                    updated_at timestamptz NOT NULL,
                    PRIMARY KEY (realm, subject)
                )
                """,
                "CREATE INDEX realm_members_by_subject ON \(schema).realm_members (subject)",
            ])
    }

    /// The granted roles of `subject`, per realm.
    public func roles(of subject: String, on connection: PostgresConnection, logger: Logger) async throws
        -> [String: Set<String>]
    {
        var grants: [String: Set<String>] = [:]
        let rows = try await connection.query(
            PostgresQuery(
                unsafeSQL:
                    "SELECT realm, roles FROM \(schema).realm_members WHERE subject = $1 AND cardinality(roles) > 0",
                binds: PostgresBindings(texts: subject)),
            logger: logger)
        for try await (realm, roles) in rows.decode((String, [String]).self) {
            grants[realm] = Set(roles)
        }
        return grants
    }

    /// One membership, or nil.
    public func member(realm: String, subject: String, on connection: PostgresConnection, logger: Logger) async throws
        -> MemberSnapshot?
    {
        let rows = try await connection.query(
            PostgresQuery(
                unsafeSQL:
                    "SELECT roles, revision, updated_at FROM \(schema).realm_members WHERE realm = $1 AND subject = $2",
                binds: PostgresBindings(texts: realm, subject)),
            logger: logger)
        for try await (roles, revision, updatedAt) in rows.decode(([String], Int, Date).self) {
            return MemberSnapshot(
                realm: realm, subject: subject, roles: roles, revision: revision, updatedAt: updatedAt)
        }
        return nil
    }

    /// The realm's current members (removed memberships left out), by subject.
    public func members(realm: String, on connection: PostgresConnection, logger: Logger) async throws
        -> [MemberSnapshot]
    {
        let rows = try await connection.query(
            PostgresQuery(
                unsafeSQL: """
                    SELECT subject, roles, revision, updated_at FROM \(schema).realm_members
                    WHERE realm = $1 AND cardinality(roles) > 0 ORDER BY subject
                    """,
                binds: PostgresBindings(texts: realm)),
            logger: logger)
        var result: [MemberSnapshot] = []
        for try await (subject, roles, revision, updatedAt) in rows.decode((String, [String], Int, Date).self) {
            result.append(
                MemberSnapshot(realm: realm, subject: subject, roles: roles, revision: revision, updatedAt: updatedAt))
        }
        return result
    }

    /// Stores `snapshot` unless a newer revision is already there (events may arrive again or
    /// out of order after a rebalance).
    public func apply(_ snapshot: MemberSnapshot, on connection: PostgresConnection, logger: Logger) async throws {
        try await connection.query(
            PostgresQuery(
                unsafeSQL: """
                    INSERT INTO \(schema).realm_members (realm, subject, roles, revision, updated_at)
                    VALUES ($1, $2, $3, $4, $5)
                    ON CONFLICT (realm, subject) DO UPDATE
                    SET roles = EXCLUDED.roles, revision = EXCLUDED.revision, updated_at = EXCLUDED.updated_at
                    WHERE \(schema).realm_members.revision < EXCLUDED.revision
                    """,
                binds: {
                    var binds = PostgresBindings()
                    binds.append(snapshot.realm)
                    binds.append(snapshot.subject)
                    binds.append(snapshot.roles.sorted())
                    binds.append(snapshot.revision)
                    binds.append(snapshot.updatedAt)
                    return binds
                }()),
            logger: logger)
    }

    /// The read model's routes: every service but the registry keeps its copy of the
    /// memberships from `clm.registry.member.v1` (and so consumes the registry topic).
    public var routes: EventRoutes {
        var routes = EventRoutes()
        routes.on(MemberSnapshot.self) { [self] event, tx in
            try await apply(event.data, on: tx.connection, logger: tx.logger)
        }
        return routes
    }
}
