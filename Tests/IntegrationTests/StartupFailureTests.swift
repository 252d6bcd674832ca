import Foundation
import Testing

/// A service that cannot start says why in one line on stderr and exits non-zero — never a
/// crash dump.
@Suite("Start-up failures", .serialized, .timeLimit(.minutes(3)))
struct StartupFailureTests {
    struct Case: CustomTestStringConvertible, Sendable {
        let label: String
        let overrides: [String: String]
        let removeLibraryPath: Bool
        let exitCode: Int32
        let mentions: [String]
        var testDescription: String { label }
    }

    static let cases: [Case] = [
        Case(
            label: "invalid port", overrides: ["CLM_HTTP_PORT": "eighty"], removeLibraryPath: false, exitCode: 2,
            mentions: ["CLM_HTTP_PORT", "eighty"]),
        Case(
            label: "several invalid settings at once",
            overrides: ["CLM_LOG_LEVEL": "loud", "CLM_PG_TLS": "maybe", "CLM_PG_PASSWORD": ""],
            removeLibraryPath: false, exitCode: 2, mentions: ["CLM_LOG_LEVEL", "CLM_PG_TLS", "CLM_PG_PASSWORD"]),
        Case(
            label: "no identity provider configured", overrides: ["CLM_AUTH_JWKS_URL": ""],
            removeLibraryPath: false, exitCode: 2, mentions: ["CLM_AUTH_JWKS_URL", "required"]),
        Case(
            label: "identity provider URL of the wrong kind", overrides: ["CLM_AUTH_JWKS_URL": "ftp://idp/jwks"],
            removeLibraryPath: false, exitCode: 2, mentions: ["CLM_AUTH_JWKS_URL", "ftp://idp/jwks"]),
        Case(
            label: "old librdkafka (Debian's 2.0.2)", overrides: [:], removeLibraryPath: true, exitCode: 3,
            mentions: ["librdkafka 2.0", "2.2.0", "LD_LIBRARY_PATH"]),
        Case(
            label: "database unreachable", overrides: ["CLM_PG_PORT": "1", "CLM_STARTUP_TIMEOUT_SECONDS": "2"],
            removeLibraryPath: false, exitCode: 4, mentions: ["cannot use PostgreSQL", ":1/"]),
        Case(
            label: "wrong database password", overrides: ["CLM_PG_PASSWORD": "not-the-password"],
            removeLibraryPath: false, exitCode: 4, mentions: ["password authentication failed"]),
        Case(
            label: "broker unreachable",
            overrides: ["CLM_KAFKA_BROKERS": "127.0.0.1:1", "CLM_STARTUP_TIMEOUT_SECONDS": "3"],
            removeLibraryPath: false, exitCode: 5, mentions: ["cannot use Kafka at 127.0.0.1:1"]),
    ]

    @Test("one clear line and a non-zero exit", arguments: cases)
    func failsClearly(_ testCase: Case) throws {
        let environment = try TestEnvironment.require()
        let database = try TestDatabase.create(environment)
        defer { database.drop() }
        var env: [String: String] = [
            "PATH": "/usr/bin:/bin",
            "LD_LIBRARY_PATH": environment.libraryPath,
            "CLM_HTTP_PORT": "\(try freePort())",
            "CLM_PG_HOST": environment.pgHost,
            "CLM_PG_PORT": "\(environment.pgPort)",
            "CLM_PG_DATABASE": database.name,
            "CLM_PG_PASSWORD": environment.password(ofService: "registry"),
            "CLM_KAFKA_BROKERS": environment.kafkaBrokers,
            "CLM_KAFKA_TOPIC_PREFIX": "t\(uniqueSuffix())",
            // Logs go to stdout; stderr carries only the failure line.
            "CLM_LOG_LEVEL": "error",
            "CLM_AUTH_JWKS_URL": TestIdentity.jwksURL.absoluteString,
        ]
        if testCase.removeLibraryPath { env.removeValue(forKey: "LD_LIBRARY_PATH") }
        env.merge(testCase.overrides) { _, new in new }
        let binary = environment.binDirectory.appendingPathComponent("clm-registry").path
        let result = try run(binary, [], environment: env)
        #expect(result.status == testCase.exitCode, "stderr: \(result.stderr)")
        let lines = result.stderr.split(separator: "\n")
        #expect(lines.count == 1, "expected one line, got: \(result.stderr)")
        let line = String(lines.first ?? "")
        #expect(line.hasPrefix("clm-registry: "))
        for mention in testCase.mentions {
            #expect(line.contains(mention), "'\(line)' does not mention '\(mention)'")
        }
        for crashMarker in ["Fatal error", "Stack dump", "backtrace", "Current stack trace"] {
            #expect(!result.stderr.contains(crashMarker) && !result.stdout.contains(crashMarker))
        }
        // No secret in the message.
        #expect(
            !line.contains(environment.password(ofService: "registry"))
                || environment.password(ofService: "registry").isEmpty)
    }

    @Test("health turns not-ready while the database is unreachable, and the process keeps running")
    func notReadyWhenDatabaseGoes() async throws {
        let environment = try TestEnvironment.require()
        try await TestStack.with(environment) { stack in
            let registry = stack["registry"]
            try await registry.start()
            let ready = try await registry.client.send("GET", "/health/ready")
            #expect(ready.status == 200)
            // Revoke the role's right to connect: from the service's view the database is gone.
            _ = try stack.database.query(
                "REVOKE CONNECT ON DATABASE \(stack.database.name) FROM clm_registry; SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = 'clm_registry' AND datname = '\(stack.database.name)'"
            )
            try await Task.sleep(for: .milliseconds(1500))
            let notReady = try await registry.client.send("GET", "/health/ready")
            #expect(notReady.status == 503, "\(notReady.text)")
            #expect(notReady.text.contains("postgresql"))
            #expect(registry.isRunning)
            // API calls fail fast with 503 and Retry-After instead of hanging.
            let started = ContinuousClock.now
            let call = try await stack.client("registry", token: try stack.token("ops", platformAdmin: true))
                .send("GET", "/v1/realms")
            #expect(call.status == 503, "\(call.text)")
            #expect(call.headers["retry-after"] != nil)
            #expect(call.problem?.code == "unavailable")
            #expect(ContinuousClock.now - started < .seconds(3))
            _ = try stack.database.query("GRANT CONNECT ON DATABASE \(stack.database.name) TO clm_registry")
            var recovered = false
            for _ in 0..<50 where !recovered {
                try await Task.sleep(for: .milliseconds(200))
                recovered = (try? await registry.client.send("GET", "/health/ready"))?.status == 200
            }
            #expect(recovered, "registry did not become ready again: \(registry.tail())")

            // With the database gone again, SIGTERM still ends the process cleanly.
            _ = try stack.database.query(
                "REVOKE CONNECT ON DATABASE \(stack.database.name) FROM clm_registry; SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = 'clm_registry' AND datname = '\(stack.database.name)'"
            )
            let status = await registry.stop()
            #expect(status == 0, "registry did not stop cleanly: \(registry.tail())")
        }
    }

    @Test("beyond CLM_HTTP_MAX_IN_FLIGHT the API answers 503 overloaded with Retry-After at once; health still answers")
    func overloadIsRefusedNotQueued() async throws {
        let environment = try TestEnvironment.require()
        try await TestStack.with(environment) { stack in
            let registry = stack["registry"]
            registry.setEnvironment("CLM_HTTP_MAX_IN_FLIGHT", "1")
            try await registry.start()
            let client = stack.client("registry", token: try stack.token("ops", platformAdmin: true))
            let answers = try await withThrowingTaskGroup(of: (Int, String?, String?).self) { group in
                for _ in 0..<40 {
                    group.addTask {
                        let answer = try await client.send("GET", "/v1/realms")
                        return (answer.status, answer.problem?.code, answer.headers["retry-after"])
                    }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            let refused = answers.filter { $0.0 == 503 }
            #expect(!refused.isEmpty, "40 concurrent calls with room for one: none refused")
            #expect(refused.allSatisfy { $0.1 == "overloaded" && $0.2 == "1" })
            #expect(answers.allSatisfy { $0.0 == 200 || $0.0 == 503 })
            #expect(answers.contains { $0.0 == 200 })
            #expect(try await registry.client.send("GET", "/health/ready").status == 200)
        }
    }
}
