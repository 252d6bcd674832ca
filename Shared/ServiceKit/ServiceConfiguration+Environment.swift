import CLMIdentity
import CLMMessaging
import CLMStorage
import Foundation

/// Reading each group of settings from the environment; every problem is collected in `env`.
extension ServiceConfiguration {
    static func readDatabase(_ env: inout EnvironmentReader, schema: String) -> DatabaseConfiguration {
        let database = DatabaseConfiguration(
            host: env.string("CLM_PG_HOST", default: "127.0.0.1"),
            port: env.int("CLM_PG_PORT", default: 55432, range: 1...65535),
            database: env.string("CLM_PG_DATABASE", default: "clm"),
            username: env.string("CLM_PG_USER", default: "clm_\(schema)"),
            password: env.required("CLM_PG_PASSWORD", hint: "the password of this service's database role"),
            tls: env.choice("CLM_PG_TLS", default: DatabaseConfiguration.TLSMode.disable),
            tlsCAFile: env.optional("CLM_PG_TLS_CA_FILE"),
            maximumConnections: env.int("CLM_PG_POOL_SIZE", default: 10, range: 1...200)
        )
        // Read now, so a wrong path fails the start with this line rather than every connection.
        if let caFile = database.tlsCAFile, let problem = DatabaseConfiguration.problemWithCAFile(caFile) {
            env.problem("CLM_PG_TLS_CA_FILE \(EnvironmentReader.quoted(caFile)) \(problem)")
        }
        return database
    }

    static func readKafka(_ env: inout EnvironmentReader, clientID: String) -> (KafkaConfiguration, topicPrefix: String)
    {
        let brokers = env.string("CLM_KAFKA_BROKERS", default: "127.0.0.1:19092")
        var properties: [String: String] = [:]
        for pair in (env.optional("CLM_KAFKA_PROPERTIES") ?? "").split(separator: ",") {
            let parts = pair.split(separator: "=", maxSplits: 1).map(String.init)
            if parts.count == 2 {
                properties[parts[0].trimmingCharacters(in: .whitespaces)] = parts[1]
            } else {
                env.problem(
                    "CLM_KAFKA_PROPERTIES must be key=value pairs separated by commas, got \(EnvironmentReader.quoted(String(pair)))"
                )
            }
        }
        let topicPrefix = env.string("CLM_KAFKA_TOPIC_PREFIX", default: "clm")
        if topicPrefix.contains(where: { !($0.isASCII && ($0.isLetter || $0.isNumber)) && !"._-".contains($0) }) {
            env.problem(
                "CLM_KAFKA_TOPIC_PREFIX may contain only letters, digits, '.', '_' and '-', got \(EnvironmentReader.quoted(topicPrefix))"
            )
        }
        let fetchWait = env.int("CLM_KAFKA_FETCH_WAIT_MS", default: 500, range: 1...10_000)
        return (
            KafkaConfiguration(
                bootstrapServers: brokers, clientID: clientID, properties: properties,
                fetchWait: .milliseconds(fetchWait)), topicPrefix
        )
    }

    /// The current KEK (`CLM_KEK` or `CLM_KEK_FILE`, with `CLM_KEK_ID`) and the retired ones.
    static func readKeyEncryptionKeys(_ env: inout EnvironmentReader)
        -> ((id: String, base64: String)?, [(id: String, base64: String)])
    {
        var kek: (id: String, base64: String)?
        let id = env.string("CLM_KEK_ID", default: "default")
        if let value = env.optional("CLM_KEK") {
            kek = (id, value)
        } else if let path = env.optional("CLM_KEK_FILE") {
            if let text = try? String(contentsOfFile: path, encoding: .utf8) {
                kek = (id, text.trimmingCharacters(in: .whitespacesAndNewlines))
            } else {
                env.problem("CLM_KEK_FILE '\(path)' cannot be read")
            }
        } else {
            env.problem("CLM_KEK or CLM_KEK_FILE is required (base64 of 32 random bytes: `openssl rand -base64 32`)")
        }
        if let (_, value) = kek, Data(base64Encoded: value)?.count != 32 {
            env.problem("CLM_KEK must be base64 of exactly 32 bytes")
        }
        var previous: [(id: String, base64: String)] = []
        for entry in (env.optional("CLM_KEK_PREVIOUS") ?? "").split(separator: ",") {
            let parts = entry.split(separator: ":", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard parts.count == 2, !parts[0].isEmpty, Data(base64Encoded: parts[1])?.count == 32 else {
                env.problem("CLM_KEK_PREVIOUS must be id:base64 pairs (32-byte keys) separated by commas")
                break
            }
            previous.append((parts[0], parts[1]))
        }
        return (kek, previous)
    }

    static func readAuthentication(_ env: inout EnvironmentReader) -> AuthenticationSettings {
        // Either the provider's issuer URL (its key set found by OpenID Connect discovery) or the
        // key set's own URL; the latter wins when both are set.
        let issuerText = env.optional("CLM_AUTH_ISSUER_URL")
        let issuerURL = issuerText.flatMap(URL.init(string:))
        if let issuerText,
            issuerURL == nil || !["http", "https"].contains(issuerURL?.scheme ?? "") || issuerURL?.host == nil
        {
            env.problem(
                "CLM_AUTH_ISSUER_URL must be the provider's http:// or https:// issuer URL, got \(EnvironmentReader.quoted(issuerText))"
            )
        }
        let jwksText =
            issuerText == nil
            ? env.required(
                "CLM_AUTH_JWKS_URL",
                hint:
                    "the identity provider's JWKS, e.g. file:///path/jwks.json or https://idp/jwks; or set CLM_AUTH_ISSUER_URL to find it by discovery"
            ) : env.optional("CLM_AUTH_JWKS_URL") ?? ""
        let jwksURL = URL(string: jwksText)
        if !jwksText.isEmpty, jwksURL == nil || !["file", "http", "https"].contains(jwksURL?.scheme ?? "") {
            env.problem(
                "CLM_AUTH_JWKS_URL must be a file://, http:// or https:// URL, got \(EnvironmentReader.quoted(jwksText))"
            )
        }
        let discovery = jwksText.isEmpty ? issuerURL : nil
        return AuthenticationSettings(
            jwksURL: discovery.map(OpenIDDiscovery.configurationURL) ?? jwksURL ?? URL(fileURLWithPath: "/"),
            discoveryIssuer: discovery,
            issuer: env.string("CLM_AUTH_ISSUER", default: issuerText ?? "clm-dev"),
            audience: env.string("CLM_AUTH_AUDIENCE", default: "clm"),
            clockSkew: .seconds(env.int("CLM_AUTH_CLOCK_SKEW_SECONDS", default: 60, range: 0...300)))
    }

    static func readRetention(_ env: inout EnvironmentReader, keepsEverything: Bool) -> OutboxRelay.Retention {
        let keepHours = env.int("CLM_OUTBOX_KEEP_HOURS", default: 168, range: 1...8760)
        let replayMinutes = env.int("CLM_OUTBOX_REPLAY_MINUTES", default: 10, range: 1...10080)
        if replayMinutes > keepHours * 60 {
            env.problem(
                "CLM_OUTBOX_REPLAY_MINUTES (\(replayMinutes)) cannot exceed CLM_OUTBOX_KEEP_HOURS (\(keepHours)) in minutes"
            )
        }
        return keepsEverything
            ? .everything : .init(keep: .seconds(keepHours * 3600), replayWindow: .seconds(replayMinutes * 60))
    }
}
