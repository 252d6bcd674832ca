import CLMStorage

enum IntakeMigrations {
    static let all: [Migration] = [
        Migration(
            version: 2, name: "read model and requests",
            statements: [
                "CREATE TABLE intake.realms (id text PRIMARY KEY, display_name text NOT NULL)",
                """
                CREATE TABLE intake.policies (
                    realm text NOT NULL, id text NOT NULL, version integer NOT NULL, document jsonb NOT NULL,
                    PRIMARY KEY (realm, id, version)
                )
                """,
                """
                CREATE TABLE intake.end_entities (
                    realm text NOT NULL, id text NOT NULL, revision integer NOT NULL, entity jsonb NOT NULL,
                    PRIMARY KEY (realm, id)
                )
                """,
                """
                CREATE TABLE intake.requests (
                    id uuid PRIMARY KEY,
                    realm text NOT NULL,
                    policy text NOT NULL,
                    policy_version integer NOT NULL,
                    state text NOT NULL,
                    key_source text NOT NULL,
                    idempotency_key text,
                    submitted jsonb NOT NULL,
                    validity_note text,
                    serial_number text,
                    certificate text,
                    chain text,
                    created_at timestamptz NOT NULL,
                    updated_at timestamptz NOT NULL,
                    UNIQUE (realm, idempotency_key)
                )
                """,
                "CREATE INDEX requests_realm_state ON intake.requests (realm, state, created_at)",
                """
                CREATE TABLE intake.request_history (
                    id bigserial PRIMARY KEY,
                    request_id uuid NOT NULL REFERENCES intake.requests(id),
                    state text NOT NULL,
                    actor text NOT NULL,
                    reason text NOT NULL,
                    at timestamptz NOT NULL DEFAULT now()
                )
                """,
                "CREATE INDEX request_history_request ON intake.request_history (request_id, id)",
            ]),
        Migration(
            version: 3, name: "requester, waiting and key status",
            statements: [
                "ALTER TABLE intake.requests ADD COLUMN requester text",
                "UPDATE intake.requests SET requester = submitted->>'requester'",
                "ALTER TABLE intake.requests ALTER COLUMN requester SET NOT NULL",
                "CREATE INDEX requests_realm_requester ON intake.requests (realm, requester, created_at)",
                // The latest clm.request.awaiting.v1 payload, and what keygen said of the key.
                "ALTER TABLE intake.requests ADD COLUMN awaiting jsonb",
                "ALTER TABLE intake.requests ADD COLUMN key_status text",
                // Why the request is currently held up (e.g. CA unavailable), until it moves on.
                "ALTER TABLE intake.requests ADD COLUMN notice text",
            ]),
        Migration(
            version: 4, name: "re-drive of requests without progress",
            statements: [
                "ALTER TABLE intake.requests ADD COLUMN redrives integer NOT NULL DEFAULT 0",
                // Not before this instant, even if the request is older than the threshold.
                "ALTER TABLE intake.requests ADD COLUMN redrive_after timestamptz",
                """
                CREATE INDEX requests_unfinished ON intake.requests (updated_at)
                WHERE state NOT IN ('issued', 'declined', 'failed', 'expired')
                """,
            ]),
    ]
}
