import Foundation
import Testing

/// What `make test` (scripts/test.sh) provides: a running PostgreSQL and Kafka broker, the
/// built binaries, and the local secrets. Integration tests fail loudly without it rather
/// than skipping, so a missing server can never pass as green.
struct TestEnvironment: Sendable {
    let pgHost: String
    let pgPort: Int
    let pgAdminUser: String
    let pgAdminPassword: String
    let kafkaBrokers: String
    let binDirectory: URL
    let repoRoot: URL
    let libraryPath: String
    let values: [String: String]

    static let shared: TestEnvironment? = TestEnvironment(ProcessInfo.processInfo.environment)

    init?(_ env: [String: String]) {
        guard let host = env["CLM_TEST_PG_HOST"], let port = env["CLM_TEST_PG_PORT"].flatMap(Int.init),
            let user = env["CLM_TEST_PG_ADMIN_USER"], let password = env["CLM_TEST_PG_ADMIN_PASSWORD"],
            let brokers = env["CLM_TEST_KAFKA_BROKERS"], let bin = env["CLM_TEST_BIN_DIR"],
            let root = env["CLM_TEST_REPO_ROOT"]
        else { return nil }
        self.pgHost = host
        self.pgPort = port
        self.pgAdminUser = user
        self.pgAdminPassword = password
        self.kafkaBrokers = brokers
        self.binDirectory = URL(fileURLWithPath: bin)
        self.repoRoot = URL(fileURLWithPath: root)
        self.libraryPath = env["LD_LIBRARY_PATH"] ?? ""
        self.values = env
    }

    /// The environment, or a recorded failure explaining how to get one.
    static func require(sourceLocation: SourceLocation = #_sourceLocation) throws -> TestEnvironment {
        guard let shared else {
            Issue.record(
                "integration tests need PostgreSQL, the broker and CLM_TEST_* settings: run them with `make test`",
                sourceLocation: sourceLocation)
            throw TestSetupError("no integration environment")
        }
        return shared
    }

    /// The password of a service's database role, from the local secrets.
    func password(ofService service: String) -> String {
        values["CLM_\(service.uppercased().replacingOccurrences(of: "-", with: "_"))_PG_PASSWORD"] ?? ""
    }

    var kek: String { values["CLM_KEK"] ?? "" }
}

struct TestSetupError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// A short random suffix for database names, topic prefixes and group ids.
func uniqueSuffix() -> String {
    String(UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "").prefix(10))
}
