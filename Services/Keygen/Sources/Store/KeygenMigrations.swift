import CLMStorage

/// keygen's own tables (owner "service"; versions 2-4 as they always were).
enum KeygenMigrations {
    static let all: [Migration] = [
        Migration(
            version: 2, name: "orders and sealed keys",
            statements: [
                """
                CREATE TABLE keygen.orders (
                    request_id uuid PRIMARY KEY,
                    realm text NOT NULL,
                    key_spec text NOT NULL,
                    received_at timestamptz NOT NULL DEFAULT now()
                )
                """,
                """
                CREATE TABLE keygen.keys (
                    request_id uuid PRIMARY KEY REFERENCES keygen.orders(request_id),
                    realm text NOT NULL,
                    key_spec text NOT NULL,
                    sealed_key bytea,
                    kek_id text NOT NULL,
                    public_key text NOT NULL,
                    certificate text,
                    chain text,
                    created_at timestamptz NOT NULL DEFAULT now(),
                    downloaded_at timestamptz,
                    destroyed_at timestamptz,
                    CHECK ((sealed_key IS NULL) = (destroyed_at IS NOT NULL))
                )
                """,
            ]),
        Migration(
            version: 3, name: "requester and retention",
            statements: [
                // Rows from before: requester unknown (nobody can download them) and the default retention.
                "ALTER TABLE keygen.orders ADD COLUMN requester text NOT NULL DEFAULT ''",
                "ALTER TABLE keygen.orders ALTER COLUMN requester DROP DEFAULT",
                "ALTER TABLE keygen.orders ADD COLUMN retention_seconds integer NOT NULL DEFAULT 604800",
                "ALTER TABLE keygen.keys ADD COLUMN destroy_after timestamptz NOT NULL"
                    + " DEFAULT now() + interval '7 days'",
                "ALTER TABLE keygen.keys ALTER COLUMN destroy_after DROP DEFAULT",
                "ALTER TABLE keygen.keys ADD COLUMN destroy_cause text",
                "CREATE INDEX keys_retention ON keygen.keys (destroy_after) WHERE destroyed_at IS NULL",
            ]),
        Migration(
            version: 4, name: "password chosen at submission",
            statements: [
                "ALTER TABLE keygen.orders ADD COLUMN key_password_verifier text",
                "ALTER TABLE keygen.orders ADD COLUMN failed_downloads integer NOT NULL DEFAULT 0",
            ]),
    ]
}
