import CLMMessaging
import CLMStorage
import Foundation
import Logging
import NIOSSL

/// Settings every CLM service reads from its environment. Each documents its default.
public struct ServiceConfiguration: Sendable {
    /// `CLM_HTTP_HOST`, default `127.0.0.1`.
    public var httpHost: String
    /// `CLM_HTTP_PORT`, default per service (registry 8081 … ca-gateway 8085).
    public var httpPort: Int
    /// `CLM_HTTP_TLS_CERT_FILE` (PEM certificate chain, leaf first) and `CLM_HTTP_TLS_KEY_FILE`
    /// (its unencrypted PEM private key), both or neither; default unset: plain HTTP (local runs
    /// put nginx in front). Checked at start; TLS 1.2 or later.
    public var httpTLS: HTTPTLSSettings? = nil
    /// `CLM_HTTP_MAX_IN_FLIGHT`, default 512: API requests worked on at once; more get 503
    /// `overloaded` with Retry-After.
    public var httpMaxInFlight = 512
    /// `CLM_PG_HOST`, `CLM_PG_PORT` (55432), `CLM_PG_DATABASE` (clm), `CLM_PG_USER`
    /// (clm_<service>), `CLM_PG_PASSWORD` (required), `CLM_PG_TLS`
    /// (disable|prefer|require|verify-full, default disable; every TLS mode verifies the
    /// server's certificate and name), `CLM_PG_TLS_CA_FILE` (PEM roots trusted instead of the
    /// system's, default unset; checked at start), `CLM_PG_POOL_SIZE` (10).
    public var database: DatabaseConfiguration
    /// `CLM_KAFKA_BROKERS`, default `127.0.0.1:19092`; `CLM_KAFKA_PROPERTIES` adds librdkafka
    /// properties as `key=value,key=value` (TLS, SASL).
    public var kafka: KafkaConfiguration
    /// `CLM_KAFKA_TOPIC_PREFIX`, default `clm`.
    public var topicPrefix: String
    /// `CLM_LOG_LEVEL`: trace, debug, info (default), notice, warning, error, critical.
    public var logLevel: Logger.Level
    /// `CLM_STARTUP_TIMEOUT_SECONDS`, default 15: how long to wait for PostgreSQL and Kafka at
    /// start before giving up with a clear message.
    public var startupTimeout: Duration
    /// `CLM_KEK` (base64, 32 bytes) or `CLM_KEK_FILE`, with `CLM_KEK_ID`: the key-encryption key
    /// of services that store private keys. Nil for the others.
    public var keyEncryptionKey: (id: String, base64: String)?
    /// `CLM_KEK_PREVIOUS`: `id:base64,id:base64` — retired key-encryption keys still accepted for
    /// opening while the service re-wraps what they sealed. Empty by default.
    public var previousKeyEncryptionKeys: [(id: String, base64: String)] = []
    /// `CLM_OUTBOX_KEEP_HOURS` (168) and `CLM_OUTBOX_REPLAY_MINUTES` (10): how long published
    /// events stay in the outbox, and how far back they are published again when the broker
    /// lost its log (decision 0014). The registry keeps and replays all its snapshots.
    public var outboxRetention = OutboxRelay.Retention.standard
    /// The raw environment, for settings only one service reads (they validate it themselves
    /// at start and fail with a `ConfigurationError`).
    public var environment: [String: String] = [:]
    /// How bearer tokens are verified (DESIGN §6).
    public var authentication: AuthenticationSettings

    /// `CLM_AUTH_JWKS_URL` (`file://` or `http(s)://`) or `CLM_AUTH_ISSUER_URL` (the provider's
    /// issuer, its key set found by OpenID Connect discovery; one of the two is required),
    /// `CLM_AUTH_ISSUER` (default: the issuer URL, else `clm-dev`), `CLM_AUTH_AUDIENCE` (default `clm`), `CLM_AUTH_CLOCK_SKEW_SECONDS` (60).
    public struct AuthenticationSettings: Sendable {
        /// The key set, or (with `discoveryIssuer`) the configuration document that names it.
        public var jwksURL: URL
        /// Set when the key set is found by OpenID Connect discovery from this issuer URL.
        public var discoveryIssuer: URL? = nil
        public var issuer: String
        public var audience: String
        public var clockSkew: Duration
    }

    public static func fromEnvironment(
        service: ServiceDefinition, environment: [String: String]
    ) throws -> ServiceConfiguration {
        var env = EnvironmentReader(environment)
        let httpHost = env.string("CLM_HTTP_HOST", default: "127.0.0.1")
        let httpPort = env.int("CLM_HTTP_PORT", default: service.defaultPort, range: 1...65535)
        let httpTLS = HTTPTLSSettings.read(&env)
        let httpMaxInFlight = env.int("CLM_HTTP_MAX_IN_FLIGHT", default: 512, range: 1...100_000)
        let database = readDatabase(&env, schema: service.schema)
        let (kafka, topicPrefix) = readKafka(&env, clientID: "clm-\(service.name)")
        let logLevel = env.logLevel()
        let startup = env.int("CLM_STARTUP_TIMEOUT_SECONDS", default: 15, range: 1...600)
        let (kek, previous) = service.needsKeyEncryptionKey ? readKeyEncryptionKeys(&env) : (nil, [])
        let authentication = readAuthentication(&env)
        let retention = readRetention(&env, keepsEverything: service.keepsPublishedEvents)
        try env.validate()
        return ServiceConfiguration(
            httpHost: httpHost, httpPort: httpPort, httpTLS: httpTLS, httpMaxInFlight: httpMaxInFlight,
            database: database,
            kafka: kafka, topicPrefix: topicPrefix, logLevel: logLevel, startupTimeout: .seconds(startup),
            keyEncryptionKey: kek, previousKeyEncryptionKeys: previous, outboxRetention: retention,
            environment: environment,
            authentication: authentication)
    }
}

/// The certificate and key a service serves HTTPS with (`CLM_HTTP_TLS_CERT_FILE`,
/// `CLM_HTTP_TLS_KEY_FILE`), loaded and checked when the configuration is read.
public struct HTTPTLSSettings: Sendable {
    public var certificateFile: String
    public var keyFile: String
    /// The certificates of `certificateFile`, leaf first.
    public var certificateChain: [NIOSSLCertificate]
    public var privateKey: NIOSSLPrivateKey

    /// The server configuration: this chain and key, TLS 1.2 or later, no client certificates.
    public var tlsConfiguration: TLSConfiguration {
        var configuration = TLSConfiguration.makeServerConfiguration(
            certificateChain: certificateChain.map { .certificate($0) }, privateKey: .privateKey(privateKey))
        configuration.minimumTLSVersion = .tlsv12
        return configuration
    }

    static let certVariable = "CLM_HTTP_TLS_CERT_FILE"
    static let keyVariable = "CLM_HTTP_TLS_KEY_FILE"

    /// Reads both variables; records a problem (never key material) and returns nil when they
    /// cannot be used.
    static func read(_ env: inout EnvironmentReader) -> HTTPTLSSettings? {
        let certFile = env.optional(certVariable)
        let keyFile = env.optional(keyVariable)
        guard let certFile, let keyFile else {
            if let set = certFile != nil ? certVariable : keyFile != nil ? keyVariable : nil {
                env.problem("\(certVariable) and \(keyVariable) must be set together, only \(set) is set")
            }
            return nil
        }
        func contents(_ variable: String, _ path: String) -> [UInt8]? {
            guard let data = FileManager.default.contents(atPath: path) else {
                let reason = FileManager.default.fileExists(atPath: path) ? "cannot be read" : "does not exist"
                env.problem("\(variable) \(EnvironmentReader.quoted(path)) \(reason)")
                return nil
            }
            return Array(data)
        }
        var chain: [NIOSSLCertificate]?
        if let bytes = contents(certVariable, certFile) {
            if let certificates = try? NIOSSLCertificate.fromPEMBytes(bytes), !certificates.isEmpty {
                chain = certificates
            } else {
                env.problem("\(certVariable) \(EnvironmentReader.quoted(certFile)) holds no PEM certificate")
            }
        }
        var key: NIOSSLPrivateKey?
        if let bytes = contents(keyVariable, keyFile) {
            // The error text is not passed on: it could quote the file.
            if let loaded = try? NIOSSLPrivateKey(bytes: bytes, format: .pem) {
                key = loaded
            } else {
                env.problem(
                    "\(keyVariable) \(EnvironmentReader.quoted(keyFile)) holds no usable PEM private key (it must not be encrypted)"
                )
            }
        }
        guard let chain, let key else { return nil }
        let settings = HTTPTLSSettings(
            certificateFile: certFile, keyFile: keyFile, certificateChain: chain, privateKey: key)
        // Building a context checks that the key belongs to the first certificate.
        if (try? NIOSSLContext(configuration: settings.tlsConfiguration)) == nil {
            env.problem(
                "\(keyVariable) \(EnvironmentReader.quoted(keyFile)) is not the key of the first certificate in \(certVariable) \(EnvironmentReader.quoted(certFile))"
            )
            return nil
        }
        return settings
    }
}
