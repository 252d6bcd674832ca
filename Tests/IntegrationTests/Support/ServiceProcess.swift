import CLMClient
import CLMIdentity
import Foundation

/// One CLM service binary running against a test database and topic prefix.
final class ServiceProcess: @unchecked Sendable {
    let name: String
    let port: Int
    let logFile: URL
    private var environment: [String: String]
    private let executable: URL
    private var process: Process?

    init(
        name: String, environment: TestEnvironment, database: TestDatabase, topicPrefix: String,
        extra: [String: String] = [:]
    )
        throws
    {
        self.name = name
        self.port = try freePort()
        self.executable = environment.binDirectory.appendingPathComponent("clm-\(name)")
        self.logFile = FileManager.default.temporaryDirectory.appendingPathComponent("clm-\(topicPrefix)-\(name).log")
        var env: [String: String] = [
            "PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin",
            "LD_LIBRARY_PATH": environment.libraryPath,
            "CLM_HTTP_PORT": "\(port)",
            "CLM_PG_HOST": environment.pgHost,
            "CLM_PG_PORT": "\(environment.pgPort)",
            "CLM_PG_DATABASE": database.name,
            "CLM_PG_PASSWORD": environment.password(ofService: name),
            "CLM_KAFKA_BROKERS": environment.kafkaBrokers,
            "CLM_KAFKA_TOPIC_PREFIX": topicPrefix,
            "CLM_KEK": environment.kek,
            "CLM_KEK_ID": "test-1",
            "CLM_LOG_LEVEL": "info",
            // Several stacks share one PostgreSQL during a test run.
            "CLM_PG_POOL_SIZE": "4",
            "CLM_AUTH_JWKS_URL": TestIdentity.jwksURL.absoluteString,
        ]
        env.merge(extra) { _, new in new }
        self.environment = env
    }

    /// Changes the environment of the next `launch()`; nil removes the variable.
    func setEnvironment(_ key: String, _ value: String?) {
        environment[key] = value
    }

    /// Set before `start()` when the service serves HTTPS with a certificate this CA (a PEM
    /// file) signed: `baseURL` becomes https and readiness is probed with curl, since
    /// URLSession on Linux cannot trust a custom CA.
    var httpsCAFile: String?

    var baseURL: URL { URL(string: "\(httpsCAFile == nil ? "http" : "https")://127.0.0.1:\(port)")! }
    var client: CLMClient { CLMClient(baseURL: baseURL, timeout: 10) }

    /// Starts the binary (appending to its log) without waiting.
    func launch() throws {
        let process = Process()
        process.executableURL = executable
        process.environment = environment
        if !FileManager.default.fileExists(atPath: logFile.path) {
            _ = FileManager.default.createFile(atPath: logFile.path, contents: nil)
        }
        let handle = try FileHandle(forWritingTo: logFile)
        handle.seekToEndOfFile()
        process.standardOutput = handle
        process.standardError = handle
        process.standardInput = FileHandle.nullDevice
        try ChildProcesses.launch(process)
        ChildProcesses.register(process.processIdentifier)
        self.process = process
    }

    /// Starts and waits until `/health/ready` answers 200.
    func start(timeout: Duration = .seconds(60)) async throws {
        try launch()
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if let process, let status = ProcessExit.status(of: process) {
                throw TestSetupError("clm-\(name) exited with \(status): \(tail())")
            }
            if let httpsCAFile {
                let probe = try? run(
                    "/usr/bin/curl",
                    ["--cacert", httpsCAFile, "-fsS", "-o", "/dev/null", "--max-time", "2", "\(baseURL)/health/ready"])
                if probe?.status == 0 { return }
            } else if let answer = try? await client.send("GET", "/health/ready"), answer.status == 200 {
                return
            }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw TestSetupError("clm-\(name) not ready after \(timeout): \(tail())")
    }

    /// SIGTERM, then wait for a graceful exit; returns the exit status.
    @discardableResult
    func stop() async -> Int32? {
        guard let process else { return nil }
        if let status = ProcessExit.status(of: process) { return status }
        process.terminate()
        var status = await ProcessExit.wait(for: process, timeout: .seconds(25))
        if status == nil {
            kill(process.processIdentifier, SIGKILL)
            status = await ProcessExit.wait(for: process, timeout: .seconds(10))
        }
        ChildProcesses.unregister(process.processIdentifier)
        return status
    }

    /// SIGKILL: a crash, with no chance to flush or commit anything.
    func crash() {
        guard let process, ProcessExit.status(of: process) == nil else { return }
        kill(process.processIdentifier, SIGKILL)
        _ = ProcessExit.waitBlocking(for: process, timeout: .seconds(10))
        ChildProcesses.unregister(process.processIdentifier)
    }

    var isRunning: Bool { process.map { ProcessExit.status(of: $0) == nil } ?? false }

    /// The last lines of the service's log, for failure messages.
    func tail(_ lines: Int = 15) -> String {
        let text = (try? String(contentsOf: logFile, encoding: .utf8)) ?? ""
        return text.split(separator: "\n").suffix(lines).joined(separator: "\n")
    }

    var log: String { (try? String(contentsOf: logFile, encoding: .utf8)) ?? "" }
}

/// The test run's development identity provider: every service started by a test trusts its
/// JWKS, and tests mint tokens with it.
enum TestIdentity {
    static let directory: URL = {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("clm-test-idp-\(uniqueSuffix())")
        try? FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }()
    static let provider: DevelopmentIdentityProvider = {
        do {
            return try DevelopmentIdentityProvider.create(directory: directory)
        } catch {
            fatalError("cannot create the test identity provider: \(error)")
        }
    }()
    static var jwksURL: URL {
        _ = provider
        return directory.appendingPathComponent("jwks.json")
    }
}

/// The five services on one database and topic prefix.
final class TestStack: @unchecked Sendable {
    let environment: TestEnvironment
    let database: TestDatabase
    let topicPrefix: String
    let services: [String: ServiceProcess]

    static let names = ["registry", "intake", "approval", "keygen", "ca-gateway"]

    var identity: DevelopmentIdentityProvider { TestIdentity.provider }

    init(environment: TestEnvironment) throws {
        self.environment = environment
        self.database = try TestDatabase.create(environment)
        self.topicPrefix = "t\(uniqueSuffix())"
        var services: [String: ServiceProcess] = [:]
        for name in Self.names {
            services[name] = try ServiceProcess(
                name: name, environment: environment, database: database, topicPrefix: topicPrefix)
        }
        self.services = services
    }

    subscript(_ name: String) -> ServiceProcess { services[name]! }

    /// A token of the stack's identity provider.
    func token(
        _ subject: String, platformAdmin: Bool = false, roles: [String: Set<String>] = [:],
        lifetime: Duration = .seconds(3600)
    ) throws -> String {
        try identity.mint(
            subject: subject, issuer: "clm-dev", audience: "clm",
            platformRoles: platformAdmin ? ["platform-admin"] : [],
            realmRoles: roles, lifetime: lifetime)
    }

    /// A client of one service that sends `token`.
    func client(_ service: String, token: String?) -> CLMClient {
        CLMClient(baseURL: self[service].baseURL, token: token, timeout: 10)
    }

    func start() async throws {
        // Registry first so the topics exist; the rest in parallel.
        try await self["registry"].start()
        try await withThrowingTaskGroup(of: Void.self) { group in
            for name in Self.names where name != "registry" {
                let service = self[name]
                group.addTask { try await service.start() }
            }
            try await group.waitForAll()
        }
    }

    func stop() async {
        for name in Self.names.reversed() { await self[name].stop() }
    }

    func tearDown() async {
        await stop()
        database.drop()
    }

    /// Runs `body` with a fresh stack (not started) and always tears it down afterwards.
    static func with<T>(
        _ environment: TestEnvironment, _ body: (TestStack) async throws -> T
    ) async throws -> T {
        let stack = try TestStack(environment: environment)
        do {
            let result = try await body(stack)
            await stack.tearDown()
            return result
        } catch {
            await stack.tearDown()
            throw error
        }
    }
}
