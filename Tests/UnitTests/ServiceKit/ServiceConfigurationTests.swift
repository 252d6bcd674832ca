import CLMServiceKit
import CLMStorage
import Foundation
import Logging
import NIOSSL
import Testing

@testable import CLMMessaging

@Suite("ServiceConfiguration.fromEnvironment")
struct ServiceKitConfigurationTests {
    static let service = ServiceDefinition(
        name: "test", schema: "test", defaultPort: 9999, migrations: [], consumes: [])
    static let keyService = ServiceDefinition(
        name: "test", schema: "test", defaultPort: 9999, migrations: [], consumes: [], needsKeyEncryptionKey: true)
    static let minimal = ["CLM_PG_PASSWORD": "s3cret", "CLM_AUTH_JWKS_URL": "file:///etc/clm/jwks.json"]
    /// base64 of 32 bytes 0x00…0x1F.
    static let kek = Data(0..<32).base64EncodedString()

    private func load(
        _ extra: [String: String], base: [String: String] = minimal, service: ServiceDefinition = service
    ) throws -> ServiceConfiguration {
        try ServiceConfiguration.fromEnvironment(service: service, environment: base.merging(extra) { $1 })
    }

    /// The problems reported for `extra`, or nil when the configuration was accepted.
    private func problems(
        _ extra: [String: String], base: [String: String] = minimal, service: ServiceDefinition = service
    ) -> [String]? {
        do {
            _ = try load(extra, base: base, service: service)
            return nil
        } catch let error as ConfigurationError {
            return error.problems
        } catch {
            Issue.record("unexpected error \(error)")
            return nil
        }
    }

    @Test("defaults with only CLM_PG_PASSWORD set")
    func defaults() throws {
        let configuration = try load([:])
        #expect(configuration.httpHost == "127.0.0.1")
        #expect(configuration.httpPort == 9999)
        #expect(configuration.database.host == "127.0.0.1")
        #expect(configuration.database.port == 55432)
        #expect(configuration.database.database == "clm")
        #expect(configuration.database.username == "clm_test")
        #expect(configuration.database.password == "s3cret")
        #expect(configuration.database.tls == .disable)
        #expect(configuration.database.maximumConnections == 10)
        #expect(configuration.kafka.bootstrapServers == "127.0.0.1:19092")
        #expect(configuration.kafka.clientID == "clm-test")
        #expect(configuration.kafka.properties.isEmpty)
        #expect(configuration.topicPrefix == "clm")
        #expect(configuration.kafka.consumerProperties(groupID: "g")["fetch.wait.max.ms"] == "500")
        #expect(configuration.logLevel == .info)
        #expect(configuration.startupTimeout == .seconds(15))
        #expect(configuration.keyEncryptionKey == nil)
    }

    @Test("every setting is read")
    func everySetting() throws {
        let configuration = try load([
            "CLM_HTTP_HOST": "0.0.0.0", "CLM_HTTP_PORT": "8443", "CLM_PG_HOST": "db.internal", "CLM_PG_PORT": "5432",
            "CLM_PG_DATABASE": "certs", "CLM_PG_USER": "svc", "CLM_PG_TLS": "REQUIRE", "CLM_PG_POOL_SIZE": "200",
            "CLM_KAFKA_BROKERS": "k1:9092,k2:9092",
            "CLM_KAFKA_PROPERTIES": "security.protocol=SSL, ssl.ca.location=/etc/ca.pem,sasl.password=a=b",
            "CLM_KAFKA_TOPIC_PREFIX": "clm-prod_1.x", "CLM_LOG_LEVEL": "DEBUG", "CLM_STARTUP_TIMEOUT_SECONDS": "600",
            "CLM_KAFKA_FETCH_WAIT_MS": "20",
        ])
        #expect(configuration.httpHost == "0.0.0.0")
        #expect(configuration.httpPort == 8443)
        #expect(configuration.database.host == "db.internal")
        #expect(configuration.database.port == 5432)
        #expect(configuration.database.database == "certs")
        #expect(configuration.database.username == "svc")
        #expect(configuration.database.tls == .require)
        #expect(configuration.database.maximumConnections == 200)
        #expect(configuration.kafka.bootstrapServers == "k1:9092,k2:9092")
        #expect(
            configuration.kafka.properties == [
                "security.protocol": "SSL", "ssl.ca.location": "/etc/ca.pem", "sasl.password": "a=b",
            ])
        #expect(configuration.topicPrefix == "clm-prod_1.x")
        #expect(configuration.kafka.fetchWait == .milliseconds(20))
        #expect(configuration.kafka.consumerProperties(groupID: "g")["fetch.wait.max.ms"] == "20")
        #expect(configuration.logLevel == .debug)
        #expect(configuration.startupTimeout == .seconds(600))
    }

    @Test("empty values count as unset")
    func emptyIsUnset() throws {
        let configuration = try load([
            "CLM_HTTP_PORT": "", "CLM_LOG_LEVEL": "", "CLM_PG_TLS": "", "CLM_KAFKA_PROPERTIES": "",
        ])
        #expect(configuration.httpPort == 9999)
        #expect(configuration.logLevel == .info)
        #expect(configuration.database.tls == .disable)
        #expect(configuration.kafka.properties.isEmpty)
        #expect(problems([:], base: ["CLM_PG_PASSWORD": "", "CLM_AUTH_JWKS_URL": "file:///jwks.json"])?.count == 1)
    }

    struct Invalid: Sendable, CustomTestStringConvertible {
        var environment: [String: String]
        var problem: String
        var testDescription: String { environment.map { "\($0.key)=\($0.value)" }.sorted().joined(separator: " ") }
    }

    static let invalid: [Invalid] = [
        .init(
            environment: ["CLM_HTTP_PORT": "abc"], problem: "CLM_HTTP_PORT must be an integer in 1...65535, got 'abc'"),
        .init(
            environment: ["CLM_HTTP_PORT": "70000"],
            problem: "CLM_HTTP_PORT must be an integer in 1...65535, got '70000'"),
        .init(environment: ["CLM_HTTP_PORT": "0"], problem: "CLM_HTTP_PORT must be an integer in 1...65535, got '0'"),
        .init(environment: ["CLM_PG_PORT": "-1"], problem: "CLM_PG_PORT must be an integer in 1...65535, got '-1'"),
        .init(
            environment: ["CLM_PG_POOL_SIZE": "201"],
            problem: "CLM_PG_POOL_SIZE must be an integer in 1...200, got '201'"),
        .init(
            environment: ["CLM_STARTUP_TIMEOUT_SECONDS": "1.5"],
            problem: "CLM_STARTUP_TIMEOUT_SECONDS must be an integer in 1...600, got '1.5'"),
        .init(
            environment: ["CLM_LOG_LEVEL": "loud"],
            problem: "CLM_LOG_LEVEL must be one of trace, debug, info, notice, warning, error, critical, got 'loud'"),
        .init(
            environment: ["CLM_PG_TLS": "maybe"],
            problem: "CLM_PG_TLS must be one of disable, prefer, require, verify-full, got 'maybe'"),
        .init(
            environment: ["CLM_KAFKA_TOPIC_PREFIX": "a b"],
            problem: "CLM_KAFKA_TOPIC_PREFIX may contain only letters, digits, '.', '_' and '-', got 'a b'"),
        .init(
            environment: ["CLM_KAFKA_TOPIC_PREFIX": "clm/prod"],
            problem: "CLM_KAFKA_TOPIC_PREFIX may contain only letters, digits, '.', '_' and '-', got 'clm/prod'"),
        .init(
            environment: ["CLM_KAFKA_PROPERTIES": "security.protocol=SSL,garbage"],
            problem: "CLM_KAFKA_PROPERTIES must be key=value pairs separated by commas, got 'garbage'"),
        .init(
            environment: ["CLM_KAFKA_PROPERTIES": "acks="],
            problem: "CLM_KAFKA_PROPERTIES must be key=value pairs separated by commas, got 'acks='"),
    ]

    @Test("each invalid value is reported", arguments: invalid)
    func invalidValue(_ testCase: Invalid) {
        #expect(problems(testCase.environment) == [testCase.problem])
    }

    @Test("CLM_PG_PASSWORD is required")
    func missingPassword() {
        #expect(
            problems([:], base: [:]) == [
                "CLM_PG_PASSWORD is required (the password of this service's database role)",
                "CLM_AUTH_JWKS_URL is required (the identity provider's JWKS, e.g. file:///path/jwks.json or https://idp/jwks; or set CLM_AUTH_ISSUER_URL to find it by discovery)",
            ])
    }

    @Test("CLM_AUTH_ISSUER_URL alone: the key set by discovery, the issuer the URL; a JWKS URL wins over it")
    func discovery() throws {
        let base = ["CLM_PG_PASSWORD": "s3cret"]
        let found = try load(["CLM_AUTH_ISSUER_URL": "https://idp.example/realms/clm"], base: base).authentication
        #expect(found.discoveryIssuer?.absoluteString == "https://idp.example/realms/clm")
        #expect(found.jwksURL.absoluteString == "https://idp.example/realms/clm/.well-known/openid-configuration")
        #expect(found.issuer == "https://idp.example/realms/clm")
        let both = try load(
            [
                "CLM_AUTH_ISSUER_URL": "https://idp.example/", "CLM_AUTH_JWKS_URL": "file:///k.json",
                "CLM_AUTH_ISSUER": "x",
            ],
            base: base
        ).authentication
        #expect(both.discoveryIssuer == nil && both.jwksURL.absoluteString == "file:///k.json" && both.issuer == "x")
        for bad in ["idp.example", "ftp://idp.example", "https://"] {
            #expect(
                problems(["CLM_AUTH_ISSUER_URL": bad], base: base)?.first?.hasPrefix("CLM_AUTH_ISSUER_URL must be")
                    == true, "\(bad)")
        }
    }

    // MARK: key-encryption key

    @Test("a key service reads CLM_KEK and CLM_KEK_ID")
    func kekRead() throws {
        let configuration = try load(["CLM_KEK": Self.kek, "CLM_KEK_ID": "2025-03"], service: Self.keyService)
        #expect(configuration.keyEncryptionKey?.id == "2025-03")
        #expect(configuration.keyEncryptionKey?.base64 == Self.kek)
        let defaulted = try load(["CLM_KEK": Self.kek], service: Self.keyService)
        #expect(defaulted.keyEncryptionKey?.id == "default")
    }

    @Test("a key service without CLM_KEK is refused")
    func kekMissing() {
        let found = problems([:], service: Self.keyService)
        #expect(found?.count == 1)
        #expect(found?.first?.hasPrefix("CLM_KEK or CLM_KEK_FILE is required") == true)
    }

    @Test(
        "CLM_KEK must be base64 of exactly 32 bytes",
        arguments: [
            Data(count: 31).base64EncodedString(), Data(count: 33).base64EncodedString(), "not base64!", "AAAA",
        ])
    func kekWrongSize(_ value: String) {
        let found = problems(["CLM_KEK": value], service: Self.keyService)
        #expect(found == ["CLM_KEK must be base64 of exactly 32 bytes"])
    }

    @Test("services that store no keys ignore CLM_KEK")
    func kekIgnored() throws {
        #expect(try load(["CLM_KEK": "junk"]).keyEncryptionKey == nil)
    }

    // MARK: reporting

    @Test("several problems are reported together in one single-line error")
    func severalTogether() {
        let environment = [
            "CLM_HTTP_PORT": "abc", "CLM_PG_PORT": "70000", "CLM_LOG_LEVEL": "loud", "CLM_PG_TLS": "maybe",
            "CLM_KAFKA_TOPIC_PREFIX": "a b", "CLM_KAFKA_PROPERTIES": "x", "CLM_KEK": "short",
        ]
        #expect {
            _ = try ServiceConfiguration.fromEnvironment(service: Self.keyService, environment: environment)
        } throws: { error in
            guard let error = error as? ConfigurationError else { return false }
            let description = error.description
            let named = [
                "CLM_HTTP_PORT", "CLM_PG_PORT", "CLM_PG_PASSWORD", "CLM_PG_TLS", "CLM_KAFKA_PROPERTIES",
                "CLM_KAFKA_TOPIC_PREFIX", "CLM_LOG_LEVEL", "CLM_KEK", "CLM_AUTH_JWKS_URL",
            ]
            return error.problems.count == 9
                && named.allSatisfy { description.contains($0) }
                && description.hasPrefix("invalid configuration: ")
                && !description.contains("\n")
                && description == "invalid configuration: " + error.problems.joined(separator: "; ")
        }
    }

    @Test("secrets never appear in the error")
    func secretsNotEchoed() {
        let found = problems(
            ["CLM_KEK": "c2VjcmV0LWtleS1tYXRlcmlhbA==", "CLM_HTTP_PORT": "x"], service: Self.keyService)
        let text = found?.joined(separator: " ") ?? ""
        #expect(found?.count == 2)
        #expect(!text.contains("c2VjcmV0LWtleS1tYXRlcmlhbA=="))
        #expect(!text.contains("s3cret"))
    }

    /// Kafka topic names allow only ASCII `[a-zA-Z0-9._-]`, but the prefix check uses
    /// `Character.isLetter`/`isNumber`, which accept any Unicode letter or digit.
    @Test("non-ASCII topic prefixes are refused", arguments: ["clmé", "証明書", "clm٣"])
    func nonASCIITopicPrefix(_ prefix: String) {
        #expect(problems(["CLM_KAFKA_TOPIC_PREFIX": prefix])?.count == 1)
    }

    /// The description is meant to be one line, but values are quoted verbatim, so a value
    /// with a line break (a trailing newline from a secret or env file) splits it.
    @Test("the description stays one line when a value contains a line break")
    func lineBreakInValue() {
        let found = problems(["CLM_HTTP_PORT": "8080\n", "CLM_LOG_LEVEL": "info\nwarn"]) ?? []
        #expect(found.count == 2)
        #expect(!ConfigurationError(problems: found).description.contains("\n"))
    }

    // MARK: PostgreSQL TLS

    /// Two self-signed CA certificates (EC P-256), with the kind of comment lines system
    /// bundles carry between them.
    static let caBundle = """
        # CLM unit-test CA 1
        -----BEGIN CERTIFICATE-----
        MIIBkTCCATegAwIBAgIUfTTqNjL3X2lYYoMrd6FNUHhQENIwCgYIKoZIzj0EAwIw
        HTEbMBkGA1UEAwwSQ0xNIHVuaXQtdGVzdCBDQSAxMCAXDTI2MTEzMDIxMTc0N1oY
        DzIxMjYxMTA2MjExNzQ3WjAdMRswGQYDVQQDDBJDTE0gdW5pdC10ZXN0IENBIDEw
        WTATBgcqhkjOPQIBBggqhkjOPQMBBwNCAASOSG+c4x7uWrkmluCW30xS/OB2RaPx
        FhVl/Inm4ChyT2NoHXsVzuMnM+phQSSozdInu14aDj/5NDidmBL75gXFo1MwUTAd
        BgNVHQ4EFgQUaTFtR8OI8MzZMEHQx6VFPqheu1MwHwYDVR0jBBgwFoAUaTFtR8OI
        8MzZMEHQx6VFPqheu1MwDwYDVR0TAQH/BAUwAwEB/zAKBggqhkjOPQQDAgNIADBF
        AiAQ36zVtvLMngy7nwq1C3mx0qXrfS2GDqyo4M9+/29CrwIhAIXGjmRVDtBsasl6
        dWtSrD8ztDF9Hw+r06ZMTu56ab3I
        -----END CERTIFICATE-----
        # CLM unit-test CA 2
        -----BEGIN CERTIFICATE-----
        MIIBkjCCATegAwIBAgIUaA1eRA2xZIFxxLSpLpqtzIZlU08wCgYIKoZIzj0EAwIw
        HTEbMBkGA1UEAwwSQ0xNIHVuaXQtdGVzdCBDQSAyMCAXDTI2MTEzMDIxMTc0N1oY
        DzIxMjYxMTA2MjExNzQ3WjAdMRswGQYDVQQDDBJDTE0gdW5pdC10ZXN0IENBIDIw
        WTATBgcqhkjOPQIBBggqhkjOPQMBBwNCAASPRjH9XODVzQCO8ig76UHYupIAvgFJ
        sZzi20Ubqy6IjTBo1vnmJjsmdEJYgARCrgMC+jDdEKRye8ZBkEBo/KVco1MwUTAd
        BgNVHQ4EFgQUi9Z8QpF30wplde421L7umx5a82AwHwYDVR0jBBgwFoAUi9Z8QpF3
        0wplde421L7umx5a82AwDwYDVR0TAQH/BAUwAwEB/zAKBggqhkjOPQQDAgNJADBG
        AiEAlvLMrpXMTCxfGOra9BHj08/gS2cfxygZPJO3ntr2rvYCIQDHW5Q50Tsn3aaj
        gIlW6XJvqIFnUiR1xV/VQRpynp2Onw==
        -----END CERTIFICATE-----

        """

    /// Runs `body` with a temporary file holding `contents`, removed afterwards.
    private func withTemporaryFile<T>(_ contents: String, _ body: (String) throws -> T) throws -> T {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("clm-unit-\(UUID().uuidString).pem")
        try Data(contents.utf8).write(to: url)
        defer { try? FileManager.default.removeItem(at: url) }
        return try body(url.path)
    }

    @Test("CLM_PG_TLS=verify-full with CLM_PG_TLS_CA_FILE trusts only that file and checks the host name")
    func verifyFullWithCAFile() throws {
        try withTemporaryFile(Self.caBundle) { path in
            for spelling in ["verify-full", "VERIFY-FULL"] {
                let configuration = try load(["CLM_PG_TLS": spelling, "CLM_PG_TLS_CA_FILE": path])
                #expect(configuration.database.tls == .verifyFull)
                #expect(configuration.database.tlsCAFile == path)
                let tls = configuration.database.tlsConfiguration
                #expect(tls.trustRoots == .file(path))
                #expect(tls.certificateVerification == .fullVerification)
            }
        }
    }

    @Test(
        "without CLM_PG_TLS_CA_FILE every TLS mode verifies against the system roots",
        arguments: [
            "prefer", "require", "verify-full",
        ])
    func systemRootsByDefault(_ mode: String) throws {
        let database = try load(["CLM_PG_TLS": mode]).database
        #expect(database.tlsCAFile == nil)
        #expect(database.tlsConfiguration.trustRoots == .default)
        #expect(database.tlsConfiguration.certificateVerification == .fullVerification)
    }

    @Test("an empty CLM_PG_TLS_CA_FILE counts as unset")
    func emptyCAFileIsUnset() throws {
        #expect(try load(["CLM_PG_TLS_CA_FILE": ""]).database.tlsCAFile == nil)
    }

    @Test("a CA file that does not exist is a configuration error")
    func caFileMissing() {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("clm-unit-\(UUID().uuidString).pem")
            .path
        #expect(
            problems(["CLM_PG_TLS": "verify-full", "CLM_PG_TLS_CA_FILE": path]) == [
                "CLM_PG_TLS_CA_FILE '\(path)' does not exist"
            ])
    }

    @Test("a CA file that cannot be read is a configuration error")
    func caFileUnreadable() {
        // A directory exists but cannot be read as a file, whoever runs the test (root reads
        // files of any mode).
        let path = FileManager.default.temporaryDirectory.path
        #expect(
            problems(["CLM_PG_TLS": "verify-full", "CLM_PG_TLS_CA_FILE": path]) == [
                "CLM_PG_TLS_CA_FILE '\(path)' cannot be read"
            ])
    }

    static let notCertificates: [String] = [
        "",
        "not a certificate\n",
        "-----BEGIN CERTIFICATE-----\nbm90IERFUg==\n-----END CERTIFICATE-----\n",
        "-----BEGIN PRIVATE KEY-----\nMIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQg\n-----END PRIVATE KEY-----\n",
    ]

    @Test("a CA file without a PEM certificate is a configuration error", arguments: notCertificates)
    func caFileWithoutCertificate(_ contents: String) throws {
        try withTemporaryFile(contents) { path in
            #expect(
                problems(["CLM_PG_TLS": "verify-full", "CLM_PG_TLS_CA_FILE": path]) == [
                    "CLM_PG_TLS_CA_FILE '\(path)' holds no PEM certificate"
                ])
        }
    }

    @Test("CLM_PG_TLS_CA_FILE is checked whatever the TLS mode, and reported with the other problems")
    func caFileCheckedWithOtherProblems() {
        let found = problems(["CLM_PG_TLS_CA_FILE": "/nonexistent/ca.pem", "CLM_HTTP_PORT": "x"]) ?? []
        #expect(found.count == 2)
        #expect(found.contains("CLM_PG_TLS_CA_FILE '/nonexistent/ca.pem' does not exist"))
    }

    @Test("a line break in the CA file path keeps the error on one line")
    func caFileLineBreak() {
        let found = problems(["CLM_PG_TLS_CA_FILE": "/etc/ca.pem\n"]) ?? []
        #expect(found == ["CLM_PG_TLS_CA_FILE '/etc/ca.pem\\n' does not exist"])
        #expect(!ConfigurationError(problems: found).description.contains("\n"))
    }

    // MARK: HTTPS

    /// A fresh directory holding a self-signed P-256 certificate for localhost (`c.pem`) and its
    /// key (`k.pem`), made with /usr/bin/openssl; removed after `body`.
    private func withServerCertificate<T>(_ body: (URL) throws -> T) throws -> T {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("clm-unit-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/openssl")
        process.arguments = [
            "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
            "-keyout", directory.appendingPathComponent("k.pem").path, "-out",
            directory.appendingPathComponent("c.pem").path,
            "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1", "-days", "1",
        ]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        try #require(process.terminationStatus == 0, "openssl req failed")
        return try body(directory)
    }

    @Test("without CLM_HTTP_TLS_CERT_FILE and CLM_HTTP_TLS_KEY_FILE the service serves plain HTTP")
    func httpTLSUnset() throws {
        #expect(try load([:]).httpTLS == nil)
        #expect(try load(["CLM_HTTP_TLS_CERT_FILE": "", "CLM_HTTP_TLS_KEY_FILE": ""]).httpTLS == nil)
    }

    @Test(
        "CLM_HTTP_TLS_CERT_FILE and CLM_HTTP_TLS_KEY_FILE must be set together",
        arguments: [
            "CLM_HTTP_TLS_CERT_FILE", "CLM_HTTP_TLS_KEY_FILE",
        ])
    func httpTLSOnlyOne(_ variable: String) throws {
        try withServerCertificate { directory in
            let path = directory.appendingPathComponent(variable.hasSuffix("CERT_FILE") ? "c.pem" : "k.pem").path
            #expect(
                problems([variable: path]) == [
                    "CLM_HTTP_TLS_CERT_FILE and CLM_HTTP_TLS_KEY_FILE must be set together, only \(variable) is set"
                ])
        }
    }

    @Test("a valid certificate and key are loaded, with TLS 1.2 as the minimum")
    func httpTLSValid() throws {
        try withServerCertificate { directory in
            let cert = directory.appendingPathComponent("c.pem").path
            let key = directory.appendingPathComponent("k.pem").path
            let tls = try #require(try load(["CLM_HTTP_TLS_CERT_FILE": cert, "CLM_HTTP_TLS_KEY_FILE": key]).httpTLS)
            #expect(tls.certificateFile == cert)
            #expect(tls.keyFile == key)
            #expect(tls.certificateChain.count == 1)
            #expect(tls.tlsConfiguration.minimumTLSVersion == .tlsv12)
            #expect(tls.tlsConfiguration.certificateChain == [.certificate(tls.certificateChain[0])])
        }
    }

    @Test("a missing certificate or key file is a configuration error")
    func httpTLSMissingFile() throws {
        try withServerCertificate { directory in
            let absent = directory.appendingPathComponent("absent.pem").path
            let cert = directory.appendingPathComponent("c.pem").path
            let key = directory.appendingPathComponent("k.pem").path
            #expect(
                problems(["CLM_HTTP_TLS_CERT_FILE": absent, "CLM_HTTP_TLS_KEY_FILE": key]) == [
                    "CLM_HTTP_TLS_CERT_FILE '\(absent)' does not exist"
                ])
            #expect(
                problems(["CLM_HTTP_TLS_CERT_FILE": cert, "CLM_HTTP_TLS_KEY_FILE": absent]) == [
                    "CLM_HTTP_TLS_KEY_FILE '\(absent)' does not exist"
                ])
            // A directory cannot be read as a file, whoever runs the test.
            #expect(
                problems(["CLM_HTTP_TLS_CERT_FILE": directory.path, "CLM_HTTP_TLS_KEY_FILE": key]) == [
                    "CLM_HTTP_TLS_CERT_FILE '\(directory.path)' cannot be read"
                ])
        }
    }

    @Test("a certificate file without a certificate is a configuration error")
    func httpTLSNoCertificate() throws {
        try withServerCertificate { directory in
            // The key file in place of the certificate file.
            let key = directory.appendingPathComponent("k.pem").path
            #expect(
                problems(["CLM_HTTP_TLS_CERT_FILE": key, "CLM_HTTP_TLS_KEY_FILE": key]) == [
                    "CLM_HTTP_TLS_CERT_FILE '\(key)' holds no PEM certificate"
                ])
            for contents in Self.notCertificates {
                try withTemporaryFile(contents) { path in
                    #expect(
                        problems(["CLM_HTTP_TLS_CERT_FILE": path, "CLM_HTTP_TLS_KEY_FILE": key]) == [
                            "CLM_HTTP_TLS_CERT_FILE '\(path)' holds no PEM certificate"
                        ])
                }
            }
        }
    }

    @Test("a key file without a usable key is a configuration error, and never quoted")
    func httpTLSNoKey() throws {
        try withServerCertificate { directory in
            let cert = directory.appendingPathComponent("c.pem").path
            // The certificate in place of the key: nothing of the file appears in the message.
            let found = problems(["CLM_HTTP_TLS_CERT_FILE": cert, "CLM_HTTP_TLS_KEY_FILE": cert])
            #expect(
                found == ["CLM_HTTP_TLS_KEY_FILE '\(cert)' holds no usable PEM private key (it must not be encrypted)"])
            let pem = try String(contentsOfFile: cert, encoding: .utf8)
            let body = pem.split(separator: "\n").dropFirst().first.map(String.init) ?? "-"
            #expect(!(found ?? []).joined().contains(body))
        }
    }

    @Test("a key that does not belong to the certificate is a configuration error")
    func httpTLSKeyMismatch() throws {
        try withServerCertificate { first in
            try withServerCertificate { second in
                let cert = first.appendingPathComponent("c.pem").path
                let key = second.appendingPathComponent("k.pem").path
                #expect(
                    problems(["CLM_HTTP_TLS_CERT_FILE": cert, "CLM_HTTP_TLS_KEY_FILE": key]) == [
                        "CLM_HTTP_TLS_KEY_FILE '\(key)' is not the key of the first certificate in CLM_HTTP_TLS_CERT_FILE '\(cert)'"
                    ])
            }
        }
    }
}

@Suite("EnvironmentReader")
struct ServiceKitEnvironmentReaderTests {
    enum Colour: String, CaseIterable { case red, green }

    @Test("reads, defaults and collects problems without stopping")
    func reader() {
        var reader = EnvironmentReader(["A": "x", "N": "42", "BAD": "4x", "C": "GREEN", "D": "blue", "E": ""])
        #expect(reader.string("A", default: "d") == "x")
        #expect(reader.string("E", default: "d") == "d")
        #expect(reader.string("MISSING", default: "d") == "d")
        #expect(reader.optional("A") == "x")
        #expect(reader.optional("E") == nil)
        #expect(reader.int("N", default: 1, range: 1...100) == 42)
        #expect(reader.int("N", default: 1, range: 1...10) == 1)
        #expect(reader.int("BAD", default: 7, range: 1...100) == 7)
        #expect(reader.choice("C", default: Colour.red) == .green)
        #expect(reader.choice("D", default: Colour.red) == .red)
        #expect(reader.required("E", hint: "h") == "")
        reader.problem("custom")
        #expect(
            reader.problems == [
                "N must be an integer in 1...10, got '42'", "BAD must be an integer in 1...100, got '4x'",
                "D must be one of red, green, got 'blue'", "E is required (h)", "custom",
            ])
        #expect(throws: ConfigurationError.self) { try reader.validate() }
    }

    @Test("a reader with no problems validates")
    func clean() throws {
        var reader = EnvironmentReader(["A": "1"])
        #expect(reader.int("A", default: 0, range: 0...1) == 1)
        try reader.validate()
    }
}
