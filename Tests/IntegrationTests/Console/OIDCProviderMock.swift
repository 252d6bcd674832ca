import CLMClient
import Foundation

/// The OpenID provider the console signs in with during the browser tests: PyPI's
/// oidc-provider-mock (pinned in scripts/setup.sh, venv `.local/browser`) on a free loopback
/// port. It signs RS256 ID tokens (no `kid`, one key in its JWKS) whose `iss` is the URL it
/// was reached at and whose `aud` is the client id, with every claim `PUT /users/{sub}` set.
///
/// Its access tokens are opaque, so the console forwards the ID token as the bearer
/// (`CLM_CONSOLE_OIDC_BEARER=id_token`) and the services trust `jwksURL` with `issuer` and the
/// console's client id as audience.
final class OIDCProviderMock: @unchecked Sendable {
    let port: Int
    let logFile: URL
    private let process: Process

    var baseURL: URL { URL(string: "http://127.0.0.1:\(port)")! }
    /// The `iss` of its tokens when reached at `baseURL`.
    var issuer: String { baseURL.absoluteString }
    var jwksURL: URL { baseURL.appendingPathComponent("jwks") }

    private init(port: Int, logFile: URL, process: Process) {
        self.port = port
        self.logFile = logFile
        self.process = process
    }

    /// Starts the provider from `venv` and returns once its discovery document answers.
    static func start(venv: URL, logDirectory: URL, timeout: Duration = .seconds(30)) async throws -> OIDCProviderMock {
        let python = venv.appendingPathComponent("bin/python")
        guard FileManager.default.isExecutableFile(atPath: python.path) else {
            throw TestSetupError(
                "\(python.path) is missing: run scripts/setup.sh (make test does) to create the browser venv")
        }
        let port = try freePort()
        let logFile = logDirectory.appendingPathComponent("oidc-provider-mock.log")
        _ = FileManager.default.createFile(atPath: logFile.path, contents: nil)
        let log = try FileHandle(forWritingTo: logFile)
        defer { try? log.close() }
        let process = Process()
        process.executableURL = python
        process.arguments = ["-m", "oidc_provider_mock", "--host", "127.0.0.1", "--port", "\(port)"]
        var environment = ProcessInfo.processInfo.environment
        environment["PYTHONDONTWRITEBYTECODE"] = "1"
        environment["PYTHONUNBUFFERED"] = "1"
        // Its own deprecation warnings (authlib) say nothing about the tests.
        environment["PYTHONWARNINGS"] = "ignore"
        process.environment = environment
        process.standardOutput = log
        process.standardError = log
        process.standardInput = FileHandle.nullDevice
        try ChildProcesses.launch(process)
        ChildProcesses.register(process.processIdentifier)
        let mock = OIDCProviderMock(port: port, logFile: logFile, process: process)

        let discovery = CLMClient(baseURL: mock.baseURL, timeout: 2)
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if let status = ProcessExit.status(of: process) {
                mock.stop()
                throw TestSetupError("oidc-provider-mock exited with \(status): \(mock.tail())")
            }
            if let answer = try? await discovery.send("GET", "/.well-known/openid-configuration"), answer.status == 200
            {
                return mock
            }
            try await Task.sleep(for: .milliseconds(100))
        }
        mock.stop()
        throw TestSetupError("oidc-provider-mock not answering on port \(port) after \(timeout): \(mock.tail())")
    }

    /// The key set as the provider serves it (for failure messages).
    func jwks() async -> String {
        let answer = try? await CLMClient(baseURL: baseURL, timeout: 5).send("GET", "/jwks")
        return answer?.text ?? "(no answer)"
    }

    /// SIGTERM, then SIGKILL: it keeps nothing, and like every child of the test process it
    /// starts with SIGTERM blocked, so the SIGKILL is the usual end.
    func stop() {
        if ProcessExit.status(of: process) == nil { process.terminate() }
        if ProcessExit.waitBlocking(for: process, timeout: .seconds(1)) == nil {
            kill(process.processIdentifier, SIGKILL)
            _ = ProcessExit.waitBlocking(for: process, timeout: .seconds(5))
        }
        ChildProcesses.unregister(process.processIdentifier)
    }

    func tail(_ lines: Int = 20) -> String {
        let text = (try? String(contentsOf: logFile, encoding: .utf8)) ?? ""
        return text.split(separator: "\n").suffix(lines).joined(separator: "\n")
    }
}
