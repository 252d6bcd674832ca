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
        !(try await connection.query("SELECT 1 FROM intake.realms WHERE id = \(realm)", logger: logger).collectAll())
            .isEmpty
    }

    /// The policy's given version, or its latest when `version` is nil.
    func policy(realm: String, id: String, version: Int?, on connection: PostgresConnection, logger: Logger)
        async throws
        -> (version: Int, document: PolicyDocument)?
    {
        guard
            let row = try await connection.query(
                """
                SELECT version, document::text FROM intake.policies WHERE realm = \(realm) AND id = \(id)
                AND (\(version)::integer IS NULL OR version = \(version))
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
            "SELECT id, entity::text FROM intake.end_entities WHERE realm = \(realm) AND id = ANY(\(ids))",
            logger: logger
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
            "SELECT id FROM intake.requests WHERE realm = \(realm) AND idempotency_key = \(idempotencyKey)",
            logger: logger
        ).decode(UUID.self).collectAll().first
    }

    func insertRequest(
        _ submitted: RequestSubmitted, validityNote: String?, idempotencyKey: String?,
        on connection: PostgresConnection,
        logger: Logger
    ) async throws -> Bool {
        let body = try JSONColumn.encode(submitted)
        let rows = try await connection.query(
            """
            INSERT INTO intake.requests
                (id, realm, policy, policy_version, state, key_source, idempotency_key, submitted, validity_note,
                 created_at, updated_at, requester, key_status)
            VALUES (\(submitted.request), \(submitted.realm), \(submitted.policy), \(submitted.policyVersion),
                    \(RequestState.submitted.rawValue), \(submitted.keySource.rawValue), \(idempotencyKey), \(body)::jsonb,
                    \(validityNote), \(submitted.submittedAt), \(submitted.submittedAt), \(submitted.requester),
                    \(submitted.keySource == .server ? "pending" : nil as String?))
            ON CONFLICT (realm, idempotency_key) DO NOTHING RETURNING id
            """, logger: logger
        ).collectAll()
        guard !rows.isEmpty else { return false }
        try await appendHistory(
            submitted.request, state: .submitted, actor: submitted.requester,
            reason: "submitted under policy \(submitted.policy) v\(submitted.policyVersion)", on: connection,
            logger: logger)
        return true
    }

    func appendHistory(
        _ id: UUID, state: RequestState, actor: String, reason: String, on connection: PostgresConnection,
        logger: Logger
    ) async throws {
        try await connection.query(
            "INSERT INTO intake.request_history (request_id, state, actor, reason) VALUES (\(id), \(state.rawValue), \(actor), \(reason))",
            logger: logger)
    }

    /// Moves a request to `next` if the state machine allows it; returns false otherwise
    /// (a replayed or late event), leaving the request as it is.
    func transition(
        _ id: UUID, realm: String, to next: RequestState, actor: String, reason: String,
        certificate: CertificateIssued? = nil, awaiting: RequestAwaiting? = nil, on connection: PostgresConnection,
        logger: Logger
    ) async throws -> Bool {
        guard
            let current = try await connection.query(
                "SELECT state FROM intake.requests WHERE id = \(id) AND realm = \(realm) FOR UPDATE", logger: logger
            ).decode(String.self).collectAll().first.flatMap(RequestState.init(rawValue:))
        else {
            logger.warning("event for unknown request ignored", metadata: ["request.id": "\(id)"])
            return false
        }
        let waiting = try awaiting.map {
            try JSONColumn.encode(
                RequestView.Waiting(required: $0.required, received: $0.received, expiresAt: $0.expiresAt))
        }
        // Another approval while still waiting: same state, new progress.
        if let waiting, current == next {
            try await connection.query(
                "UPDATE intake.requests SET awaiting = \(waiting)::jsonb, updated_at = now() WHERE id = \(id)",
                logger: logger)
            try await appendHistory(id, state: next, actor: actor, reason: reason, on: connection, logger: logger)
            return true
        }
        guard current.canTransition(to: next) else {
            // A request still under way may yet reach `next`: the event came before what it
            // follows (the broker lost and replays that), so it must not count as handled.
            if !current.isFinal && next.isAhead(of: current) {
                throw EventDeferral(reason: "request \(id) is \(current.rawValue), not yet ready for \(next.rawValue)")
            }
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
                chain = COALESCE(\(certificate?.chain), chain),
                notice = NULL,
                awaiting = CASE WHEN \(next == .awaitingApproval || next == .awaitingVerification)
                                THEN \(waiting)::jsonb ELSE NULL END
            WHERE id = \(id)
            """, logger: logger)
        try await appendHistory(id, state: next, actor: actor, reason: reason, on: connection, logger: logger)
        return true
    }

    func state(_ id: UUID, on connection: PostgresConnection, logger: Logger) async throws -> RequestState? {
        try await connection.query("SELECT state FROM intake.requests WHERE id = \(id)", logger: logger)
            .decode(String.self).collectAll().first.flatMap(RequestState.init(rawValue:))
    }

    /// Notes why a request is held up, and records it in the history (same state).
    func delay(_ delayed: RequestDelayed, on connection: PostgresConnection, logger: Logger) async throws {
        let notice =
            "\(delayed.code): \(delayed.reason); attempt \(delayed.attempt), next at \(ContractCoding.formatTimestamp(delayed.retryAt))"
        let rows = try await connection.query(
            """
            UPDATE intake.requests SET notice = \(notice), updated_at = now()
            WHERE id = \(delayed.request) AND realm = \(delayed.realm)
              AND NOT (state = ANY(\(RequestState.finalStates)))
            RETURNING state
            """, logger: logger
        ).decode(String.self).collectAll()
        guard let state = rows.first.flatMap(RequestState.init(rawValue:)) else { return }
        try await appendHistory(
            delayed.request, state: state, actor: "ca-gateway", reason: notice, on: connection, logger: logger)
    }

    /// Marks up to `limit` unfinished requests unchanged for `seconds` (and not re-driven in
    /// their backoff) as re-driven, doubling each one's backoff up to an hour; their ids.
    func markStalled(after seconds: Int, limit: Int, on connection: PostgresConnection, logger: Logger) async throws
        -> [String]
    {
        try await connection.query(
            """
            WITH due AS (
                SELECT id FROM intake.requests
                WHERE NOT (state = ANY(\(RequestState.finalStates)))
                  AND updated_at + make_interval(secs => \(seconds)) <= now()
                  AND (redrive_after IS NULL OR redrive_after <= now())
                ORDER BY updated_at LIMIT \(limit)
                FOR UPDATE SKIP LOCKED)
            UPDATE intake.requests r
            SET redrives = r.redrives + 1,
                redrive_after = now() + LEAST(
                    make_interval(secs => \(seconds)) * power(2, LEAST(r.redrives + 1, 12)), interval '1 hour')
            FROM due WHERE r.id = due.id
            RETURNING r.id::text
            """, logger: logger
        ).decode(String.self).collectAll()
    }

    /// Records what keygen reported about a server-generated key.
    func setKeyStatus(_ id: UUID, realm: String, status: String, on connection: PostgresConnection, logger: Logger)
        async throws
    {
        try await connection.query(
            "UPDATE intake.requests SET key_status = \(status), updated_at = now() WHERE id = \(id) AND realm = \(realm)",
            logger: logger)
    }

    /// The columns `makeView` reads, in its order.
    static let viewColumns =
        "state, submitted::text, validity_note, serial_number, created_at, updated_at, awaiting::text, key_status, notice"
    typealias ViewRow = (String, String, String?, String?, Date, Date, String?, String?, String?)

    /// One request; nil when it is not in `realm` or, with `requester`, not theirs.
    func view(
        _ id: UUID, realm: String, requester: String? = nil, withHistory: Bool, on connection: PostgresConnection,
        logger: Logger
    ) async throws -> RequestView? {
        guard
            let row = try await connection.query(
                """
                SELECT \(unescaped: Self.viewColumns) FROM intake.requests
                WHERE id = \(id) AND realm = \(realm) AND (\(requester)::text IS NULL OR requester = \(requester))
                """, logger: logger
            ).decode(ViewRow.self).collectAll().first
        else { return nil }
        var view = try makeView(row)
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

    /// Requests of `realm`, newest first; only `requester`'s when given.
    func list(
        realm: String, state: RequestState?, requester: String?, limit: Int, on connection: PostgresConnection,
        logger: Logger
    ) async throws -> [RequestView] {
        let rows = try await connection.query(
            """
            SELECT \(unescaped: Self.viewColumns) FROM intake.requests
            WHERE realm = \(realm) AND (\(state?.rawValue)::text IS NULL OR state = \(state?.rawValue))
              AND (\(requester)::text IS NULL OR requester = \(requester))
            ORDER BY created_at DESC LIMIT \(limit)
            """, logger: logger
        ).decode(ViewRow.self).collectAll()
        return try rows.map(makeView)
    }

    func certificate(_ id: UUID, realm: String, requester: String?, on connection: PostgresConnection, logger: Logger)
        async throws -> (state: RequestState, certificate: String?, chain: String?)?
    {
        try await connection.query(
            """
            SELECT state, certificate, chain FROM intake.requests
            WHERE id = \(id) AND realm = \(realm) AND (\(requester)::text IS NULL OR requester = \(requester))
            """, logger: logger
        ).decode((String, String?, String?).self).collectAll().first.map {
            (RequestState(rawValue: $0.0) ?? .failed, $0.1, $0.2)
        }
    }

    private func makeView(_ row: ViewRow) throws -> RequestView {
        RequestView(
            submitted: try JSONColumn.decode(RequestSubmitted.self, from: row.1),
            state: RequestState(rawValue: row.0) ?? .failed, validityNote: row.2, serialNumber: row.3,
            waiting: try row.6.map { try JSONColumn.decode(RequestView.Waiting.self, from: $0) }, keyStatus: row.7,
            notice: row.8, createdAt: row.4, updatedAt: row.5)
    }
}
