import CLMStorage

/// The gateway's tables. Applied migrations never change: the state literals in them are
/// `CAOrderState` raw values, which a unit test holds in step.
enum CAGatewayMigrations {
    static let all: [Migration] = [
        Migration(
            version: 2, name: "authorities, orders, certificates",
            statements: [
                """
                CREATE TABLE ca_gateway.authorities (
                    name text PRIMARY KEY,
                    root_certificate text NOT NULL,
                    issuing_certificate text NOT NULL,
                    root_key bytea NOT NULL,
                    issuing_key bytea NOT NULL,
                    kek_id text NOT NULL,
                    created_at timestamptz NOT NULL DEFAULT now()
                )
                """,
                """
                CREATE TABLE ca_gateway.orders (
                    request_id uuid PRIMARY KEY,
                    realm text NOT NULL,
                    submitted jsonb NOT NULL,
                    state text NOT NULL DEFAULT 'waiting',
                    reason text,
                    received_at timestamptz NOT NULL DEFAULT now()
                )
                """,
                """
                CREATE TABLE ca_gateway.certificates (
                    ca text NOT NULL REFERENCES ca_gateway.authorities(name),
                    serial_number text NOT NULL,
                    request_id uuid NOT NULL UNIQUE,
                    realm text NOT NULL,
                    subject text NOT NULL,
                    not_before timestamptz NOT NULL,
                    not_after timestamptz NOT NULL,
                    certificate text NOT NULL,
                    issued_at timestamptz NOT NULL DEFAULT now(),
                    PRIMARY KEY (ca, serial_number)
                )
                """,
                "CREATE INDEX certificates_realm ON ca_gateway.certificates (realm, issued_at)",
            ]),
        Migration(
            version: 3, name: "several CAs, availability, issuance retries",
            statements: [
                "ALTER TABLE ca_gateway.authorities ADD COLUMN suspended_reason text",
                "ALTER TABLE ca_gateway.orders ADD COLUMN attempts integer NOT NULL DEFAULT 0",
                "ALTER TABLE ca_gateway.orders ADD COLUMN next_attempt_at timestamptz",
                "ALTER TABLE ca_gateway.orders ADD COLUMN last_error text",
                "CREATE INDEX orders_retrying ON ca_gateway.orders (next_attempt_at) WHERE state = 'retrying'",
            ]),
        Migration(
            version: 4, name: "revocations, CRLs, a searchable inventory",
            statements: [
                // What the inventory filters on, copied from the order at issuance.
                "ALTER TABLE ca_gateway.certificates ADD COLUMN requester text",
                "ALTER TABLE ca_gateway.certificates ADD COLUMN policy text",
                "ALTER TABLE ca_gateway.certificates ADD COLUMN policy_version integer",
                "ALTER TABLE ca_gateway.certificates ADD COLUMN entities text[] NOT NULL DEFAULT '{}'",
                "ALTER TABLE ca_gateway.certificates ADD COLUMN alternative_names text[] NOT NULL DEFAULT '{}'",
                """
                UPDATE ca_gateway.certificates c SET requester = o.submitted->>'requester',
                    policy = o.submitted->>'policy', policy_version = (o.submitted->>'policyVersion')::integer,
                    alternative_names = ARRAY(
                        SELECT n->>'kind' || ':' || (n->>'value') FROM jsonb_array_elements(o.submitted->'alternativeNames') n)
                FROM ca_gateway.orders o WHERE o.request_id = c.request_id
                """,
                "CREATE INDEX certificates_realm_not_after ON ca_gateway.certificates (realm, not_after, serial_number)",
                """
                CREATE TABLE ca_gateway.revocations (
                    ca text NOT NULL,
                    serial_number text NOT NULL,
                    realm text NOT NULL,
                    reason text NOT NULL,
                    comment text,
                    revoked_by text NOT NULL,
                    revoked_at timestamptz NOT NULL,
                    PRIMARY KEY (ca, serial_number),
                    FOREIGN KEY (ca, serial_number) REFERENCES ca_gateway.certificates (ca, serial_number)
                )
                """,
                """
                CREATE TABLE ca_gateway.revocation_lists (
                    ca text PRIMARY KEY REFERENCES ca_gateway.authorities(name),
                    crl_number bigint NOT NULL,
                    this_update timestamptz NOT NULL,
                    next_update timestamptz NOT NULL,
                    der bytea NOT NULL
                )
                """,
            ]),
        Migration(
            version: 5, name: "expiry warnings",
            statements: [
                // Seconds before not_after, copied from the order (the policy's expiryWarnings).
                "ALTER TABLE ca_gateway.certificates ADD COLUMN expiry_warnings integer[] NOT NULL DEFAULT '{}'",
                // One row per announced notice; threshold 0 is the expiry itself. The key makes
                // each announcement happen once across sweeps, restarts and replicas.
                """
                CREATE TABLE ca_gateway.expiry_notices (
                    ca text NOT NULL,
                    serial_number text NOT NULL,
                    threshold_seconds integer NOT NULL,
                    notified_at timestamptz NOT NULL DEFAULT now(),
                    PRIMARY KEY (ca, serial_number, threshold_seconds),
                    FOREIGN KEY (ca, serial_number) REFERENCES ca_gateway.certificates (ca, serial_number)
                )
                """,
                // Certificates that expired before this version are not announced after the fact.
                """
                INSERT INTO ca_gateway.expiry_notices (ca, serial_number, threshold_seconds)
                SELECT ca, serial_number, 0 FROM ca_gateway.certificates WHERE not_after <= now()
                """,
            ]),
    ]
}
