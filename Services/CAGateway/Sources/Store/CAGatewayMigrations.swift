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
    ]
}
