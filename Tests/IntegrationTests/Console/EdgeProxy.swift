import CLMClient
import Foundation

/// The nginx edge in front of a test stack and the console, from the real
/// `deploy/nginx/clm.conf.template` (as scripts/edge.sh renders it for `make up`), on a free
/// loopback port, as a child process of the test.
///
/// Unlike scripts/edge.sh the server runs with `master_process off`: one process, no workers,
/// so a test that dies (SIGKILL of everything in `ChildProcesses`) leaves no worker behind
/// still holding the port. The `user` line of edge.sh then has nothing to drop.
final class EdgeProxy: @unchecked Sendable {
    let port: Int
    let directory: URL
    private var process: Process?

    var baseURL: URL { URL(string: "http://127.0.0.1:\(port)")! }
    var errorLog: URL { directory.appendingPathComponent("error.log") }
    var accessLog: URL { directory.appendingPathComponent("access.log") }

    /// Picks the port now (the services' `CLM_PUBLIC_URL` must name it before they start).
    init(directory: URL) throws {
        self.port = try freePort()
        self.directory = directory
    }

    /// The nginx binary: PATH, else Debian's /usr/sbin/nginx.
    static func nginxExecutable() throws -> String {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? ""
        let candidates = path.split(separator: ":").map { "\($0)/nginx" } + ["/usr/sbin/nginx"]
        guard let found = candidates.first(where: { FileManager.default.isExecutableFile(atPath: $0) }) else {
            throw TestSetupError("nginx is not installed: run scripts/setup.sh (make test does)")
        }
        return found
    }

    /// Fills every `${CLM_NAME}` placeholder of the template with `values["CLM_NAME"]`; a
    /// placeholder without a value is an error naming it. Anything else (nginx's own
    /// `$variables` and `${variables}`, a comment's `${CLM_...}`) is left alone, as
    /// scripts/edge.sh does.
    static func render(template: String, values: [String: String]) throws -> String {
        func isPlaceholder(_ name: Substring) -> Bool {
            name.hasPrefix("CLM_") && name.count > 4
                && name.utf8.allSatisfy { ($0 >= 0x41 && $0 <= 0x5A) || ($0 >= 0x30 && $0 <= 0x39) || $0 == 0x5F }
        }
        var text = ""
        var rest = Substring(template)
        var missing: [String] = []
        while let open = rest.range(of: "${") {
            text += rest[..<open.lowerBound]
            guard let close = rest[open.upperBound...].firstIndex(of: "}"),
                case let name = rest[open.upperBound..<close], isPlaceholder(name)
            else {
                text += "${"
                rest = rest[open.upperBound...]
                continue
            }
            if let value = values[String(name)] {
                text += value
            } else {
                missing.append(String(name))
            }
            rest = rest[rest.index(after: close)...]
        }
        text += rest
        guard missing.isEmpty else {
            throw TestSetupError(
                "deploy/nginx/clm.conf.template has placeholders the browser-test edge cannot fill: "
                    + "\(missing.joined(separator: ", ")) (known: \(values.keys.sorted().joined(separator: ", ")))"
            )
        }
        return text
    }

    /// The `CLM_<NAME>_UPSTREAM` values for the five services of `stack` and a console.
    static func upstreams(_ stack: TestStack, consolePort: Int) -> [String: String] {
        var upstreams = ["CLM_CONSOLE_UPSTREAM": "127.0.0.1:\(consolePort)"]
        for name in TestStack.names {
            let key = "CLM_\(name.uppercased().replacingOccurrences(of: "-", with: "_"))_UPSTREAM"
            upstreams[key] = "127.0.0.1:\(stack[name].port)"
        }
        return upstreams
    }

    /// Writes the configuration and starts nginx; returns once `/edge/health` answers.
    /// - Parameter upstreams: `CLM_<NAME>_UPSTREAM` placeholder values (`host:port`).
    func start(template: URL, upstreams: [String: String], timeout: Duration = .seconds(20)) async throws {
        let files = FileManager.default
        let temp = directory.appendingPathComponent("tmp")
        try files.createDirectory(at: temp, withIntermediateDirectories: true)
        var values = upstreams
        values["CLM_EDGE_LISTEN"] = "127.0.0.1:\(port)"
        values["CLM_EDGE_ACCESS_LOG"] = accessLog.path
        let snippet = try Self.render(template: try String(contentsOf: template, encoding: .utf8), values: values)
        let snippetFile = directory.appendingPathComponent("clm.conf")
        try snippet.write(to: snippetFile, atomically: true, encoding: .utf8)

        let nginx = try Self.nginxExecutable()
        // Debian builds nginx with temp paths under /var/lib/nginx: move every one this binary
        // knows about into the test's directory (nginx-light lacks some of the modules).
        let built = try run(nginx, ["-V"])
        var temps = ""
        for kind in ["client_body", "proxy", "fastcgi", "uwsgi", "scgi"]
        where (built.stdout + built.stderr).contains(
            "--http-\(kind.replacingOccurrences(of: "_", with: "-"))-temp-path=")
        {
            temps += "    \(kind)_temp_path \(temp.path)/\(kind);\n"
        }
        let configuration = """
            # Written by the browser tests (EdgeProxy.swift) around deploy/nginx/clm.conf.template.
            master_process off;
            worker_processes 1;
            pid \(directory.path)/nginx.pid;
            error_log \(errorLog.path) warn;

            events { worker_connections 512; }

            http {
                default_type application/octet-stream;
                server_tokens off;
                sendfile on;
                keepalive_timeout 65s;
            \(temps)
                include \(snippetFile.path);
            }

            """
        let configurationFile = directory.appendingPathComponent("nginx.conf")
        try configuration.write(to: configurationFile, atomically: true, encoding: .utf8)
        let prefix = directory.path + "/"
        let check = try run(nginx, ["-t", "-q", "-p", prefix, "-c", configurationFile.path, "-e", errorLog.path])
        guard check.status == 0 else {
            throw TestSetupError("nginx -t refused \(configurationFile.path): \(check.stderr)\(check.stdout)")
        }

        let process = Process()
        process.executableURL = URL(fileURLWithPath: nginx)
        process.arguments = ["-p", prefix, "-c", configurationFile.path, "-e", errorLog.path, "-g", "daemon off;"]
        let output = directory.appendingPathComponent("nginx.out")
        _ = files.createFile(atPath: output.path, contents: nil)
        let handle = try FileHandle(forWritingTo: output)
        defer { try? handle.close() }
        process.standardOutput = handle
        process.standardError = handle
        process.standardInput = FileHandle.nullDevice
        try ChildProcesses.launch(process)
        ChildProcesses.register(process.processIdentifier)
        self.process = process

        let health = CLMClient(baseURL: baseURL, timeout: 2)
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if let status = ProcessExit.status(of: process) {
                throw TestSetupError("nginx exited with \(status): \(tail(errorLog)) \(tail(output))")
            }
            if let answer = try? await health.send("GET", "/edge/health"), answer.status == 200 { return }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw TestSetupError("the edge did not answer on port \(port) after \(timeout): \(tail(errorLog))")
    }

    /// SIGQUIT (graceful), then SIGKILL: a child of the test process starts with most signals
    /// blocked (the mask of the thread that spawned it), and nginx never unblocks them in
    /// single-process mode, so the SIGKILL after two seconds is the usual end.
    func stop() async {
        guard let process else { return }
        if ProcessExit.status(of: process) == nil { kill(process.processIdentifier, SIGQUIT) }
        if await ProcessExit.wait(for: process, timeout: .seconds(2)) == nil {
            kill(process.processIdentifier, SIGKILL)
            _ = await ProcessExit.wait(for: process, timeout: .seconds(5))
        }
        ChildProcesses.unregister(process.processIdentifier)
    }

    func tail(_ file: URL, _ lines: Int = 20) -> String {
        let text = (try? String(contentsOf: file, encoding: .utf8)) ?? ""
        return text.split(separator: "\n").suffix(lines).joined(separator: "\n")
    }
}
