import Approval
import Foundation

/// One message as the test SMTP server received it, parsed by Python's `email` package (an
/// independent MIME implementation): encoded-words and quoted-printable are decoded.
struct ReceivedMail: Sendable, Decodable {
    /// The envelope sender (MAIL FROM).
    var from: String
    /// The envelope recipients (RCPT TO), in order.
    var to: [String]
    /// The decoded `Subject:`.
    var subject: String
    /// The decoded text body, with LF line endings.
    var body: String
    /// Every header as [name, decoded value], in order.
    var headers: [[String]]
    /// The message as received: after DATA's dot-unstuffing, before any decoding.
    var raw: String
    /// Problems Python's parser found in the message or its headers; empty for a clean message.
    var defects: [String]
    /// The AUTH login, when the client authenticated.
    var authenticatedAs: String?
    /// The name the client gave in EHLO or HELO.
    var helo: String?
    /// Whether the session greeted with EHLO (false: HELO).
    var extendedSMTP: Bool

    /// The first header called `name` (case-insensitive), decoded.
    func header(_ name: String) -> String? {
        headers.first { $0.first?.lowercased() == name.lowercased() }?.last
    }
}

/// A real SMTP server for tests: Python's aiosmtpd (Debian package python3-aiosmtpd) in a child
/// process, on a port of its own choosing, writing each received message as JSON to a
/// directory. It can also play broken servers (`Mode`).
///
///     let server = try await SMTPTestServer.start()
///     defer { server.stop() }
///     // point the client or service at server.host / server.port (or server.environment)
///     let mail = try await server.waitForMessage(to: "alice@example.com")
///
/// The child dies with the test run: it is registered with `ChildProcesses` (killed at exit)
/// and also exits when its stdin, a pipe held by this object, closes, which covers a test
/// runner that is itself killed.
final class SMTPTestServer: @unchecked Sendable {
    enum Mode: String, Sendable {
        /// A working SMTP server (aiosmtpd).
        case smtp
        /// Accepts TCP connections and never says anything.
        case silent
        /// Greets, reads one command, and closes the connection.
        case hangUp = "hangup"
    }

    let host = "127.0.0.1"
    let port: Int
    let mode: Mode
    /// Where the messages (`message-NNNNNN.json`) and the server's log (`server.log`) are.
    let directory: URL
    private let process: Process
    private let lifeline: FileHandle
    private let lock = NSLock()
    private var stopped = false

    private init(port: Int, mode: Mode, directory: URL, process: Process, lifeline: FileHandle) {
        self.port = port
        self.mode = mode
        self.directory = directory
        self.process = process
        self.lifeline = lifeline
    }

    deinit {
        stop()
        try? FileManager.default.removeItem(at: directory)
    }

    /// Starts a server and returns once it listens.
    /// - Parameters:
    ///   - rejectingRecipients: RCPT TO for these addresses (case-insensitive) gets `550 5.1.1`.
    ///   - credentials: when set, AUTH PLAIN/LOGIN is offered without TLS and only these
    ///     credentials pass (535 otherwise); when nil, AUTH is not offered at all.
    ///   - refuseEHLO: EHLO gets `502`, so a client must fall back to HELO.
    ///   - mode: `.silent` or `.hangUp` for a broken server (the other options are then ignored).
    static func start(
        rejectingRecipients: Set<String> = [], credentials: (username: String, password: String)? = nil,
        refuseEHLO: Bool = false, mode: Mode = .smtp, timeout: Duration = .seconds(20)
    ) async throws -> SMTPTestServer {
        let python = try pythonExecutable.get()
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("clm-smtp-\(uniqueSuffix())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let script = directory.appendingPathComponent("smtp_test_server.py")
        try serverScript.write(to: script, atomically: true, encoding: .utf8)

        // Untyped on purpose: the Python test server's own options, not a CLM API body.
        var options: [String: Any] = [
            "reject": rejectingRecipients.map { $0.lowercased() }, "refuseEHLO": refuseEHLO,
        ]
        if let credentials {
            options["username"] = credentials.username
            options["password"] = credentials.password
        }
        let optionsJSON = String(decoding: try JSONSerialization.data(withJSONObject: options), as: UTF8.self)

        let logFile = directory.appendingPathComponent("server.log")
        _ = FileManager.default.createFile(atPath: logFile.path, contents: nil)
        let log = try FileHandle(forWritingTo: logFile)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: python)
        process.arguments = ["-u", script.path, directory.path, mode.rawValue, optionsJSON]
        var environment = ProcessInfo.processInfo.environment
        environment["PYTHONDONTWRITEBYTECODE"] = "1"
        process.environment = environment
        process.standardOutput = log
        process.standardError = log
        let stdin = try ChildProcesses.launch(process) {
            let pipe = Pipe()
            process.standardInput = pipe
            return pipe
        }
        try? log.close()
        ChildProcesses.register(process.processIdentifier)

        let portFile = directory.appendingPathComponent("port")
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            // The script writes the port file only once its socket listens.
            if let text = try? String(contentsOf: portFile, encoding: .utf8), let port = Int(text) {
                return SMTPTestServer(
                    port: port, mode: mode, directory: directory, process: process,
                    lifeline: stdin.fileHandleForWriting)
            }
            if ProcessExit.status(of: process) != nil { break }
            try await Task.sleep(for: .milliseconds(50))
        }
        if ProcessExit.status(of: process) == nil { kill(process.processIdentifier, SIGKILL) }
        _ = ProcessExit.waitBlocking(for: process, timeout: .seconds(10))
        ChildProcesses.unregister(process.processIdentifier)
        let output = (try? String(contentsOf: logFile, encoding: .utf8)) ?? ""
        try? FileManager.default.removeItem(at: directory)
        throw TestSetupError("SMTP test server (\(mode.rawValue)) did not start: \(output.suffix(2000))")
    }

    /// The variables that point a CLM service at this server.
    var environment: [String: String] {
        ["CLM_SMTP_HOST": host, "CLM_SMTP_PORT": "\(port)"]
    }

    /// A client configuration for this server.
    func configuration(sender: String = "clm@localhost", timeout: Duration = .seconds(10)) -> SMTPConfiguration {
        SMTPConfiguration(host: host, port: port, sender: sender, timeout: timeout)
    }

    /// Every message received so far, oldest first.
    func messages() -> [ReceivedMail] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        return names.filter { $0.hasPrefix("message-") && $0.hasSuffix(".json") }.sorted().compactMap { name in
            guard let data = FileManager.default.contents(atPath: directory.appendingPathComponent(name).path) else {
                return nil
            }
            return try? JSONDecoder().decode(ReceivedMail.self, from: data)
        }
    }

    /// The first message with `recipient` among its envelope recipients (case-insensitive),
    /// waiting for it up to `timeout`.
    func waitForMessage(to recipient: String, timeout: Duration = .seconds(10)) async throws -> ReceivedMail {
        let deadline = ContinuousClock.now + timeout
        while true {
            if let mail = messages().first(where: { $0.to.contains { $0.lowercased() == recipient.lowercased() } }) {
                return mail
            }
            guard ContinuousClock.now < deadline else {
                let received = messages().map { "\($0.to)" }.joined(separator: ", ")
                throw TestSetupError(
                    "no mail to \(recipient) within \(timeout); received: [\(received)]; server log: \(log.suffix(1500))"
                )
            }
            try await Task.sleep(for: .milliseconds(50))
        }
    }

    /// The server's output (aiosmtpd logs each session), for failure messages.
    var log: String {
        (try? String(contentsOf: directory.appendingPathComponent("server.log"), encoding: .utf8)) ?? ""
    }

    var isRunning: Bool { ProcessExit.status(of: process) == nil }

    /// Stops the server (SIGTERM, SIGKILL after two seconds) and waits for it; received messages
    /// stay readable until this object goes away. Safe to call more than once.
    func stop() {
        let first = lock.withLock {
            defer { stopped = true }
            return !stopped
        }
        guard first else { return }
        try? lifeline.close()
        if ProcessExit.status(of: process) == nil { process.terminate() }
        if ProcessExit.waitBlocking(for: process, timeout: .seconds(2)) == nil {
            kill(process.processIdentifier, SIGKILL)
            _ = ProcessExit.waitBlocking(for: process, timeout: .seconds(10))
        }
        ChildProcesses.unregister(process.processIdentifier)
    }

    /// A python3 that can import aiosmtpd: `CLM_TEST_PYTHON`, then the system one (the Debian
    /// package installs there; a pyenv or venv python3 first on PATH usually lacks it), then PATH.
    static let pythonExecutable: Result<String, TestSetupError> = {
        let env = ProcessInfo.processInfo.environment
        var candidates = [env["CLM_TEST_PYTHON"], "/usr/bin/python3", "/usr/local/bin/python3"].compactMap { $0 }
        candidates += (env["PATH"] ?? "").split(separator: ":").map { "\($0)/python3" }
        for candidate in candidates where FileManager.default.isExecutableFile(atPath: candidate) {
            if let result = try? run(candidate, ["-c", "import aiosmtpd"]), result.status == 0 {
                return .success(candidate)
            }
        }
        return .failure(
            TestSetupError(
                "no python3 with aiosmtpd found (tried \(candidates)): apt-get install python3-aiosmtpd, or set CLM_TEST_PYTHON"
            ))
    }()

    /// The server program; arguments: directory, mode, options (JSON).
    private static let serverScript = #"""
        import asyncio, email, email.policy, json, os, sys, threading

        directory, mode, options = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])


        def lifeline():
            # The test process holds the other end of stdin: when it closes (stop(), or the
            # test runner dies), exit.
            try:
                while sys.stdin.buffer.read(4096):
                    pass
            finally:
                os._exit(0)


        threading.Thread(target=lifeline, daemon=True).start()


        def write_atomically(name, text):
            path = os.path.join(directory, name)
            with open(path + ".tmp", "w", encoding="utf-8") as f:
                f.write(text)
            os.replace(path + ".tmp", path)


        class Handler:
            def __init__(self):
                self.count = 0
                self.reject = set(options.get("reject", []))

            async def handle_EHLO(self, server, session, envelope, hostname, responses):
                if options.get("refuseEHLO"):
                    return ["502 5.5.1 EHLO not implemented here"]
                session.host_name = hostname
                return responses

            async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
                if address.lower() in self.reject:
                    return "550 5.1.1 <%s>: recipient rejected by the test server" % address
                envelope.rcpt_tos.append(address)
                return "250 OK"

            async def handle_DATA(self, server, session, envelope):
                raw = envelope.original_content
                message = email.message_from_bytes(raw, policy=email.policy.default)
                defects = [repr(d) for d in message.defects]
                headers = []
                for name, value in message.items():
                    headers.append([name, str(value)])
                    defects += ["%s: %r" % (name, d) for d in getattr(value, "defects", [])]
                try:
                    body = message.get_content().replace("\r\n", "\n")
                except Exception as error:
                    body = ""
                    defects.append("body: %r" % error)
                auth = session.auth_data
                self.count += 1
                record = {
                    "from": envelope.mail_from,
                    "to": list(envelope.rcpt_tos),
                    "subject": str(message.get("subject", "")),
                    "body": body,
                    "headers": headers,
                    "raw": raw.decode("utf-8", "replace"),
                    "defects": defects,
                    "authenticatedAs": auth.login.decode() if session.authenticated and auth else None,
                    "helo": session.host_name,
                    "extendedSMTP": bool(session.extended_smtp),
                }
                write_atomically("message-%06d.json" % self.count, json.dumps(record))
                return "250 2.0.0 OK: queued as %d" % self.count


        def authenticator(server, session, envelope, mechanism, auth_data):
            from aiosmtpd.smtp import AuthResult, LoginPassword
            ok = (
                isinstance(auth_data, LoginPassword)
                and auth_data.login == options["username"].encode()
                and auth_data.password == options["password"].encode()
            )
            return AuthResult(success=ok, handled=False, auth_data=auth_data)


        async def serve():
            loop = asyncio.get_running_loop()
            if mode == "smtp":
                from aiosmtpd.smtp import SMTP
                handler = Handler()
                settings = {"hostname": "smtp.test", "ident": "CLM test SMTP"}
                if "username" in options:
                    settings.update(auth_require_tls=False, authenticator=authenticator)
                server = await loop.create_server(lambda: SMTP(handler, **settings), "127.0.0.1", 0)
            elif mode == "silent":
                held = []

                async def silent(reader, writer):
                    held.append(writer)  # keep the connection open, say nothing

                server = await asyncio.start_server(silent, "127.0.0.1", 0)
            elif mode == "hangup":
                async def hang_up(reader, writer):
                    writer.write(b"220 hangup.test ESMTP\r\n")
                    await writer.drain()
                    await reader.readline()
                    writer.close()

                server = await asyncio.start_server(hang_up, "127.0.0.1", 0)
            else:
                raise SystemExit("unknown mode " + mode)
            write_atomically("port", str(server.sockets[0].getsockname()[1]))
            print("listening on port", server.sockets[0].getsockname()[1], "mode", mode, flush=True)
            async with server:
                await server.serve_forever()


        asyncio.run(serve())
        """#
}
