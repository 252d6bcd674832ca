import CLMContracts
import CLMStorage
import Foundation
import Logging
import PostgresNIO

/// Intake's SQL: the registry read model, requests and their history.
struct IntakeStore: Sendable {
    // MARK: Read model

    func upsertRealm(_ realm: RealmSnapshot, on connection: PostgresConnection, logger: Logger) async throws {
        try await connection.query(
            """
            INSERT INTO intake.realms (id, display_name) VALUES (\(realm.realm), \(realm.displayName))
            ON CONFLICT (id) DO UPDATE SET display_name = EXCLUDED.display_name
            """, logger: logger)
    }

    func insertPolicy(_ policy: PolicySnapshot, on connection: PostgresConnection, logger: Logger) async throws {
        let document = try JSONColumn.encode(policy.document)
        // Versions are immutable: a replayed snapshot never overwrites one.
        try await connection.query(
            """
            INSERT INTO intake.policies (realm, id, version, document)
            VALUES (\(policy.realm), \(policy.policy), \(policy.version), \(document)::jsonb) ON CONFLICT DO NOTHING
            """, logger: logger)
    }

    func upsertEntity(_ snapshot: EndEntitySnapshot, on connection: PostgresConnection, logger: Logger) async throws {
        let entity = try JSONColumn.encode(snapshot.entity)
        try await connection.query(
            """
            INSERT INTO intake.end_entities (realm, id, revision, entity)
            VALUES (\(snapshot.realm), \(snapshot.entity.id), \(snapshot.revision), \(entity)::jsonb)
            ON CONFLICT (realm, id) DO UPDATE SET revision = EXCLUDED.revision, entity = EXCLUDED.entity
            WHERE intake.end_entities.revision < EXCLUDED.revision
            """, logger: logger)
    }

    func realmExists(_ realm: String, on connection: PostgresConnection, logger: Logger) async throws -> Bool {
        !(try await connection.query("SELECT 1 FROM intake.realms WHERE id = \(realm)", logger: logger).collectAll()).isEmpty
    }

    func latestPolicy(realm: String, id: String, on connection: PostgresConnection, logger: Logger) async throws
        -> (version: Int, document: PolicyDocument)?
    {
        guard
            let row = try await connection.query(
                """
                SELECT version, document::text FROM intake.policies WHERE realm = \(realm) AND id = \(id)
                ORDER BY version DESC LIMIT 1
                """, logger: logger
            ).decode((Int, String).self).collectAll().first
        else { return nil }
        return (row.0, try JSONColumn.decode(PolicyDocument.self, from: row.1))
    }

    func entities(realm: String, ids: [String], on connection: PostgresConnection, logger: Logger) async throws
        -> [String: EndEntity]
    {
        var found: [String: EndEntity] = [:]
        for (id, text) in try await connection.query(
            "SELECT id, entity::text FROM intake.end_entities WHERE realm = \(realm) AND id = ANY(\(ids))", logger: logger
        ).decode((String, String).self).collectAll() {
            found[id] = try JSONColumn.decode(EndEntity.self, from: text)
        }
        return found
    }

    // MARK: Requests

    func request(idempotencyKey: String, realm: String, on connection: PostgresConnection, logger: Logger) async throws
        -> UUID?
    {
        try await connection.query(
            "SELECT id FROM intake.requests WHERE realm = \(realm) AND idempotency_key = \(idempotencyKey)", logger: logger
        ).decode(UUID.self).collectAll().first
    }

    func insertRequest(
        _ submitted: RequestSubmitted, validityNote: String?, idempotencyKey: String?, on connection: PostgresConnection,
        logger: Logger
    ) async throws -> Bool {
        let body = try JSONColumn.encode(submitted)
        let rows = try await connection.query(
            """
            INSERT INTO intake.requests
                (id, realm, policy, policy_version, state, key_source, idempotency_key, submitted, validity_note, created_at, updated_at)
            VALUES (\(submitted.request), \(submitted.realm), \(submitted.policy), \(submitted.policyVersion),
                    \(RequestState.submitted.rawValue), \(submitted.keySource.rawValue), \(idempotencyKey), \(body)::jsonb,
                    \(validityNote), \(submitted.submittedAt), \(submitted.submittedAt))
            ON CONFLICT (realm, idempotency_key) DO NOTHING RETURNING id
            """, logger: logger
        ).collectAll()
        guard !rows.isEmpty else { return false }
        try await appendHistory(
            submitted.request, state: .submitted, actor: submitted.requester,
            reason: "submitted under policy \(submitted.policy) v\(submitted.policyVersion)", on: connection, logger: logger)
        return true
    }

    func appendHistory(
        _ id: UUID, state: RequestState, actor: String, reason: String, on connection: PostgresConnection, logger: Logger
    ) async throws {
        try await connection.query(
            "INSERT INTO intake.request_history (request_id, state, actor, reason) VALUES (\(id), \(state.rawValue), \(actor), \(reason))",
            logger: logger)
    }

    /// Moves a request to `next` if the state machine allows it; returns false otherwise
    /// (a replayed or late event), leaving the request as it is.
    func transition(
        _ id: UUID, realm: String, to next: RequestState, actor: String, reason: String,
        certificate: CertificateIssued? = nil, on connection: PostgresConnection, logger: Logger
    ) async throws -> Bool {
        guard
            let current = try await connection.query(
                "SELECT state FROM intake.requests WHERE id = \(id) AND realm = \(realm) FOR UPDATE", logger: logger
            ).decode(String.self).collectAll().first.flatMap(RequestState.init(rawValue:))
        else {
            logger.warning("event for unknown request ignored", metadata: ["request.id": "\(id)"])
            return false
        }
        guard current.canTransition(to: next) else {
            logger.info(
                "transition not allowed; ignored",
                metadata: ["request.id": "\(id)", "from": "\(current.rawValue)", "to": "\(next.rawValue)"])
            return false
        }
        try await connection.query(
            """
            UPDATE intake.requests SET state = \(next.rawValue), updated_at = now(),
                serial_number = COALESCE(\(certificate?.serialNumber), serial_number),
                certificate = COALESCE(\(certificate?.certificate), certificate),
                chain = COALESCE(\(certificate?.chain), chain)
            WHERE id = \(id)
            """, logger: logger)
        try await appendHistory(id, state: next, actor: actor, reason: reason, on: connection, logger: logger)
        return true
    }

    func view(_ id: UUID, realm: String, withHistory: Bool, on connection: PostgresConnection, logger: Logger) async throws
        -> RequestView?
    {
        guard
            let row = try await connection.query(
                """
                SELECT state, submitted::text, validity_note, serial_number, created_at, updated_at
                FROM intake.requests WHERE id = \(id) AND realm = \(realm)
                """, logger: logger
            ).decode((String, String, String?, String?, Date, Date).self).collectAll().first
        else { return nil }
        var view = try makeView(state: row.0, submitted: row.1, note: row.2, serial: row.3, created: row.4, updated: row.5)
        if withHistory {
            view.history = try await connection.query(
                "SELECT state, actor, reason, at FROM intake.request_history WHERE request_id = \(id) ORDER BY id",
                logger: logger
            ).decode((String, String, String, Date).self).collectAll().map {
                RequestView.Change(state: RequestState(rawValue: $0.0) ?? .failed, actor: $0.1, reason: $0.2, at: $0.3)
            }
        }
        return view
    }

    func list(realm: String, state: RequestState?, limit: Int, on connection: PostgresConnection, logger: Logger)
        async throws -> [RequestView]
    {
        let rows =
            if let state {
                try await connection.query(
                    """
                    SELECT state, submitted::text, validity_note, serial_number, created_at, updated_at FROM intake.requests
                    WHERE realm = \(realm) AND state = \(state.rawValue) ORDER BY created_at DESC LIMIT \(limit)
                    """, logger: logger
                ).decode((String, String, String?, String?, Date, Date).self).collectAll()
            } else {
                try await connection.query(
                    """
                    SELECT state, submitted::text, validity_note, serial_number, created_at, updated_at FROM intake.requests
                    WHERE realm = \(realm) ORDER BY created_at DESC LIMIT \(limit)
                    """, logger: logger
                ).decode((String, String, String?, String?, Date, Date).self).collectAll()
            }
        return try rows.map { try makeView(state: $0.0, submitted: $0.1, note: $0.2, serial: $0.3, created: $0.4, updated: $0.5) }
    }

    func certificate(_ id: UUID, realm: String, on connection: PostgresConnection, logger: Logger) async throws
        -> (state: RequestState, certificate: String?, chain: String?)?
    {
        try await connection.query(
            "SELECT state, certificate, chain FROM intake.requests WHERE id = \(id) AND realm = \(realm)", logger: logger
        ).decode((String, String?, String?).self).collectAll().first.map {
            (RequestState(rawValue: $0.0) ?? .failed, $0.1, $0.2)
        }
    }

    private func makeView(state: String, submitted: String, note: String?, serial: String?, created: Date, updated: Date)
        throws -> RequestView
    {
        let request = try JSONColumn.decode(RequestSubmitted.self, from: submitted)
        return RequestView(
            id: request.request, realm: request.realm, policy: request.policy, policyVersion: request.policyVersion,
            state: RequestState(rawValue: state) ?? .failed, keySource: request.keySource,
            validityDays: request.validityDays, validityNote: note, subject: request.subject,
            alternativeNames: request.alternativeNames, serialNumber: serial, createdAt: created, updatedAt: updated,
            history: nil)
    }
}
