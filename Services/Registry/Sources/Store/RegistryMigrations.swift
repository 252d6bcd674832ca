import CLMStorage

enum RegistryMigrations {
    static let all: [Migration] = [
        Migration(
            version: 2, name: "realms, policies, end entities",
            statements: [
                """
                CREATE TABLE registry.realms (
                    id text PRIMARY KEY,
                    display_name text NOT NULL,
                    created_at timestamptz NOT NULL
                )
                """,
                """
                CREATE TABLE registry.policies (
                    realm text NOT NULL REFERENCES registry.realms(id),
                    id text NOT NULL,
                    version integer NOT NULL CHECK (version > 0),
                    document jsonb NOT NULL,
                    created_at timestamptz NOT NULL,
                    PRIMARY KEY (realm, id, version)
                )
                """,
                """
                CREATE TABLE registry.end_entities (
                    realm text NOT NULL REFERENCES registry.realms(id),
                    id text NOT NULL,
                    revision integer NOT NULL,
                    entity jsonb NOT NULL,
                    updated_at timestamptz NOT NULL DEFAULT now(),
                    PRIMARY KEY (realm, id)
                )
                """,
            ]),
        Migration(
            version: 3, name: "CAs per realm",
            statements: [
                "ALTER TABLE registry.realms ADD COLUMN cas text[] NOT NULL DEFAULT ARRAY['default']"
            ]),
    ]
}
