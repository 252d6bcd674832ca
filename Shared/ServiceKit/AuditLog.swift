import CLMContracts
import CLMCrypto
import CLMStorage
import Foundation
import Logging
import PostgresNIO

/// A service's tamper-evident audit trail: one hash chain per realm (plus the platform chain)
/// in the service's own schema, each record also published on the lifecycle topic.
///
/// Records are appended inside the transaction of the action they describe, so an action and
/// its record commit together or not at all.
public struct AuditLog: Sendable {
    public let service: String
    public let schema: String

    public init(service: String, schema: String) {
        self.service = service
        self.schema = schema
    }

    /// Added to every service's migrations (see `ServiceDefinition.allMigrations`).
    public static func migration(schema: String) -> Migration {
        Migration(
            owner: "audit", version: 1, name: "audit trail",
            statements: [
                """
                CREATE TABLE \(schema).audit (
                    realm text NOT NULL,
                    sequence integer NOT NULL CHECK (sequence > 0),
                    at text NOT NULL,
                    actor text NOT NULL,
                    action text NOT NULL,
                    target text NOT NULL,
                    details text NOT NULL,
                    previous_hash text NOT NULL,
                    hash text NOT NULL,
                    PRIMARY KEY (realm, sequence)
                )
                """
            ])
    }

    /// Appends a record to `realm`'s chain (`AuditRecord.platformRealm` for platform actions).
    @discardableResult
    public func append(
        realm: String, actor: String, action: String, target: String, details: String = "", in tx: EventTransaction
    ) async throws -> AuditRecord {
        // One writer per chain at a time; other chains and services are not held up.
        try await tx.connection.query(
            PostgresQuery(
                unsafeSQL: "SELECT pg_advisory_xact_lock(hashtext($1))",
                binds: PostgresBindings(texts: "\(schema).audit/\(realm)")),
            logger: tx.logger)
        var last: (Int, String)?
        let rows = try await tx.connection.query(
            PostgresQuery(
                unsafeSQL: "SELECT sequence, hash FROM \(schema).audit WHERE realm = $1 ORDER BY sequence DESC LIMIT 1",
                binds: PostgresBindings(texts: realm)),
            logger: tx.logger)
        for try await row in rows.decode((Int, String).self) { last = row }
        var record = AuditRecord(
            service: service, realm: realm, sequence: (last?.0 ?? 0) + 1, at: ContractCoding.formatTimestamp(Date()),
            actor: Self.oneLine(actor), action: action, target: Self.oneLine(target), details: Self.oneLine(details),
            previousHash: last?.1 ?? AuditRecord.genesisHash, hash: "")
        record.hash = AuditChain.hash(previous: record.previousHash, fields: record.chainFields)
        try await tx.connection.query(
            PostgresQuery(
                unsafeSQL: """
                    INSERT INTO \(schema).audit (realm, sequence, at, actor, action, target, details, previous_hash, hash)
                    VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
                    """,
                binds: {
                    var binds = PostgresBindings()
                    binds.append(record.realm)
                    binds.append(record.sequence)
                    for text in [
                        record.at, record.actor, record.action, record.target, record.details, record.previousHash,
                        record.hash,
                    ] {
                        binds.append(text)
                    }
                    return binds
                }()),
            logger: tx.logger)
        try await tx.publish(record, subject: "audit/\(service)/\(realm)/\(record.sequence)", realm: realm)
        return record
    }

    /// The chain of `realm` in order, `limit` records after `after`.
    public func records(realm: String, after: Int, limit: Int, on connection: PostgresConnection, logger: Logger)
        async throws -> [AuditRecord]
    {
        let rows = try await connection.query(
            PostgresQuery(
                unsafeSQL: """
                    SELECT sequence, at, actor, action, target, details, previous_hash, hash FROM \(schema).audit
                    WHERE realm = $1 AND sequence > $2 ORDER BY sequence LIMIT $3
                    """,
                binds: {
                    var binds = PostgresBindings()
                    binds.append(realm)
                    binds.append(after)
                    binds.append(limit)
                    return binds
                }()),
            logger: logger)
        var records: [AuditRecord] = []
        for try await (sequence, at, actor, action, target, details, previous, hash) in rows.decode(
            (Int, String, String, String, String, String, String, String).self)
        {
            records.append(
                AuditRecord(
                    service: service, realm: realm, sequence: sequence, at: at, actor: actor, action: action,
                    target: target,
                    details: details, previousHash: previous, hash: hash))
        }
        return records
    }

    /// Audit text stays on one line and bounded, whatever a caller put into it.
    static func oneLine(_ text: String) -> String {
        let cleaned = String(
            text.unicodeScalars.map { $0.properties.generalCategory == .control ? " " : Character($0) })
        return cleaned.count > 1000 ? String(cleaned.prefix(1000)) + "…" : cleaned
    }
}
