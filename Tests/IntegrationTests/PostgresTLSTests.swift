import Foundation
import Testing

/// Services reach PostgreSQL over TLS with the server's certificate verified. The local
/// cluster's certificate (scripts/pg.sh) is signed by a local CA whose certificate is
/// `.local/pg-ca.pem`; a service trusts it through `CLM_PG_TLS_CA_FILE`.
@Suite("PostgreSQL over TLS", .serialized, .timeLimit(.minutes(3)))
struct PostgresTLSTests {
    /// The local cluster's CA certificate, which `scripts/pg.sh start` writes.
    static func localCA(_ environment: TestEnvironment) throws -> String {
        let path = environment.repoRoot.appendingPathComponent(".local/pg-ca.pem").path
        guard FileManager.default.fileExists(atPath: path) else {
            throw TestSetupError("\(path) is missing: scripts/pg.sh start creates it")
        }
        return path
    }

    @Test("with verify-full and the local CA the registry serves, and all its sessions are encrypted")
    func verifiedSessions() async throws {
        let environment = try TestEnvironment.require()
        let caFile = try Self.localCA(environment)
        try await TestStack.with(environment) { stack in
            let registry = stack["registry"]
            registry.setEnvironment("CLM_PG_TLS", "verify-full")
            registry.setEnvironment("CLM_PG_TLS_CA_FILE", caFile)
            try await registry.start()
            let ready = try await registry.client.send("GET", "/health/ready")
            #expect(ready.status == 200, "\(ready.text)")
            // An API call that needs the database.
            let realms = try await stack.client("registry", token: try stack.token("ops", platformAdmin: true))
                .send("GET", "/v1/realms")
            #expect(realms.status == 200, "\(realms.text)")

            let sessions = """
                SELECT count(*) FROM pg_stat_ssl s JOIN pg_stat_activity a USING (pid)
                WHERE a.usename = 'clm_registry' AND a.datname = '\(stack.database.name)'
                """
            let encrypted = try stack.database.scalar(sessions + " AND s.ssl")
            #expect((Int(encrypted) ?? 0) > 0, "no TLS session of clm_registry (got '\(encrypted)')")
            #expect(try stack.database.scalar(sessions + " AND NOT s.ssl") == "0")
            #expect(registry.isRunning)
        }
    }

    @Test("a CA that did not sign the server's certificate: the registry does not start")
    func foreignCA() throws {
        let environment = try TestEnvironment.require()
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let foreign = directory.appendingPathComponent("foreign-ca.pem").path
        let made = try run(
            OpenSSL.path,
            [
                "req", "-x509", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-days", "1",
                "-subj", "/CN=Not the PostgreSQL CA", "-keyout",
                directory.appendingPathComponent("foreign-ca.key").path,
                "-out", foreign,
            ])
        guard made.status == 0 else { throw TestSetupError("openssl req failed: \(made.stderr)") }

        let database = try TestDatabase.create(environment)
        defer { database.drop() }
        let result = try Self.runRegistry(
            environment, database: database,
            ["CLM_PG_TLS": "verify-full", "CLM_PG_TLS_CA_FILE": foreign, "CLM_STARTUP_TIMEOUT_SECONDS": "2"])
        // A well-formed CA file passes the configuration check; the handshake refuses the server.
        #expect(result.status == 4, "stderr: \(result.stderr)")
        let line = result.stderr.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(line.hasPrefix("clm-registry: cannot use PostgreSQL"), "\(line)")
        #expect(!line.contains("\n"), "expected one line, got: \(line)")
        #expect(line.contains("CERTIFICATE_VERIFY_FAILED"), "\(line)")
        // Nothing got through: no session of the role in the test database.
        #expect(
            try database.scalar(
                "SELECT count(*) FROM pg_stat_activity WHERE usename = 'clm_registry' AND datname = '\(database.name)'")
                == "0")
    }

    struct BadFile: CustomTestStringConvertible, Sendable {
        let label: String
        /// The path to use, given a scratch directory.
        let make: @Sendable (URL) throws -> String
        let mentions: String
        var testDescription: String { label }
    }

    static let badFiles: [BadFile] = [
        BadFile(
            label: "missing file", make: { $0.appendingPathComponent("absent.pem").path }, mentions: "does not exist"),
        // A directory: unreadable as a file even for root, who reads files of any mode.
        BadFile(label: "unreadable (a directory)", make: { $0.path }, mentions: "cannot be read"),
        BadFile(
            label: "no certificate in it",
            make: { directory in
                let path = directory.appendingPathComponent("empty.pem").path
                try "not a certificate\n".write(toFile: path, atomically: true, encoding: .utf8)
                return path
            }, mentions: "holds no PEM certificate"),
    ]

    @Test("a CA file that cannot be used is a configuration error: one line, exit 2", arguments: badFiles)
    func unusableCAFile(_ testCase: BadFile) throws {
        let environment = try TestEnvironment.require()
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = try testCase.make(directory)
        // Refused before any connection, so no database is needed.
        let result = try Self.runRegistry(
            environment, database: nil, ["CLM_PG_TLS": "verify-full", "CLM_PG_TLS_CA_FILE": path])
        #expect(result.status == 2, "stderr: \(result.stderr)")
        let lines = result.stderr.split(separator: "\n")
        #expect(lines.count == 1, "expected one line, got: \(result.stderr)")
        #expect(
            lines.first.map(String.init)
                == "clm-registry: invalid configuration: CLM_PG_TLS_CA_FILE '\(path)' \(testCase.mentions)")
    }

    /// Runs the registry to its exit (start-up failures only) with `overrides`.
    static func runRegistry(
        _ environment: TestEnvironment, database: TestDatabase?, _ overrides: [String: String]
    ) throws -> (status: Int32, stdout: String, stderr: String) {
        var env: [String: String] = [
            "PATH": "/usr/bin:/bin",
            "LD_LIBRARY_PATH": environment.libraryPath,
            "CLM_HTTP_PORT": "\(try freePort())",
            "CLM_PG_HOST": environment.pgHost,
            "CLM_PG_PORT": "\(environment.pgPort)",
            "CLM_PG_DATABASE": database?.name ?? "clm_none",
            "CLM_PG_PASSWORD": environment.password(ofService: "registry"),
            "CLM_KAFKA_BROKERS": environment.kafkaBrokers,
            "CLM_KAFKA_TOPIC_PREFIX": "t\(uniqueSuffix())",
            // Logs go to stdout; stderr carries only the failure line.
            "CLM_LOG_LEVEL": "error",
            "CLM_AUTH_JWKS_URL": TestIdentity.jwksURL.absoluteString,
        ]
        env.merge(overrides) { _, new in new }
        let binary = environment.binDirectory.appendingPathComponent("clm-registry").path
        return try run(binary, [], environment: env)
    }
}
