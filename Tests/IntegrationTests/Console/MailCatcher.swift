import Foundation

/// The SMTP server of the browser tests: Python's aiosmtpd (as `SMTPTestServer` uses it) on a
/// free loopback port, writing every message it receives, exactly as received, to
/// `<directory>/<n>.eml` (n = 1, 2, …; written under another name first and renamed, so a
/// reader never sees half a message). The python tests read the verification links there.
///
/// Like `SMTPTestServer`, the child exits when its stdin (a pipe this object holds) closes,
/// and it is registered with `ChildProcesses`.
final class MailCatcher: @unchecked Sendable {
    let host = "127.0.0.1"
    let port: Int
    let directory: URL
    private let logFile: URL
    private let process: Process
    private let lifeline: FileHandle

    private init(port: Int, directory: URL, logFile: URL, process: Process, lifeline: FileHandle) {
        self.port = port
        self.directory = directory
        self.logFile = logFile
        self.process = process
        self.lifeline = lifeline
    }

    /// The variables that point the approval service at this server.
    var environment: [String: String] { ["CLM_SMTP_HOST": host, "CLM_SMTP_PORT": "\(port)"] }

    /// Starts the server writing into `directory` (created, emptied of earlier `.eml` files);
    /// its own files (script, port, log) go to `workDirectory`.
    static func start(directory: URL, workDirectory: URL, timeout: Duration = .seconds(20)) async throws -> MailCatcher
    {
        let python = try SMTPTestServer.pythonExecutable.get()
        let files = FileManager.default
        try files.createDirectory(at: directory, withIntermediateDirectories: true)
        for name in (try? files.contentsOfDirectory(atPath: directory.path)) ?? [] where name.hasSuffix(".eml") {
            try? files.removeItem(at: directory.appendingPathComponent(name))
        }
        try files.createDirectory(at: workDirectory, withIntermediateDirectories: true)
        let script = workDirectory.appendingPathComponent("mail_catcher.py")
        try serverScript.write(to: script, atomically: true, encoding: .utf8)
        let portFile = workDirectory.appendingPathComponent("smtp-port")
        try? files.removeItem(at: portFile)
        let logFile = workDirectory.appendingPathComponent("mail-catcher.log")
        _ = files.createFile(atPath: logFile.path, contents: nil)
        let log = try FileHandle(forWritingTo: logFile)
        defer { try? log.close() }

        let process = Process()
        process.executableURL = URL(fileURLWithPath: python)
        process.arguments = ["-u", script.path, directory.path, portFile.path]
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
        ChildProcesses.register(process.processIdentifier)

        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if let text = try? String(contentsOf: portFile, encoding: .utf8), let port = Int(text) {
                return MailCatcher(
                    port: port, directory: directory, logFile: logFile, process: process,
                    lifeline: stdin.fileHandleForWriting)
            }
            if ProcessExit.status(of: process) != nil { break }
            try await Task.sleep(for: .milliseconds(50))
        }
        if ProcessExit.status(of: process) == nil { kill(process.processIdentifier, SIGKILL) }
        _ = ProcessExit.waitBlocking(for: process, timeout: .seconds(10))
        ChildProcesses.unregister(process.processIdentifier)
        let output = (try? String(contentsOf: logFile, encoding: .utf8)) ?? ""
        throw TestSetupError("the mail catcher did not start: \(output.suffix(2000))")
    }

    /// How many messages arrived so far.
    var count: Int {
        ((try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []).filter { $0.hasSuffix(".eml") }
            .count
    }

    var log: String { (try? String(contentsOf: logFile, encoding: .utf8)) ?? "" }

    func stop() {
        try? lifeline.close()
        if ProcessExit.status(of: process) == nil { process.terminate() }
        if ProcessExit.waitBlocking(for: process, timeout: .seconds(2)) == nil {
            kill(process.processIdentifier, SIGKILL)
            _ = ProcessExit.waitBlocking(for: process, timeout: .seconds(10))
        }
        ChildProcesses.unregister(process.processIdentifier)
    }

    /// Arguments: the mail directory, the file to write the port to once listening.
    private static let serverScript = #"""
        import asyncio, os, sys, threading

        directory, port_file = sys.argv[1], sys.argv[2]


        def lifeline():
            # The test process holds the other end of stdin: when it closes, exit.
            try:
                while sys.stdin.buffer.read(4096):
                    pass
            finally:
                os._exit(0)


        threading.Thread(target=lifeline, daemon=True).start()


        class Handler:
            def __init__(self):
                self.count = 0

            async def handle_DATA(self, server, session, envelope):
                self.count += 1
                path = os.path.join(directory, "%d.eml" % self.count)
                with open(path + ".part", "wb") as f:
                    f.write(envelope.original_content)
                os.replace(path + ".part", path)
                print("message", self.count, "from", envelope.mail_from, "to", envelope.rcpt_tos, flush=True)
                return "250 2.0.0 OK: queued as %d" % self.count


        async def serve():
            from aiosmtpd.smtp import SMTP
            loop = asyncio.get_running_loop()
            handler = Handler()
            server = await loop.create_server(
                lambda: SMTP(handler, hostname="smtp.test", ident="CLM browser-test SMTP"), "127.0.0.1", 0)
            port = server.sockets[0].getsockname()[1]
            with open(port_file + ".part", "w") as f:
                f.write(str(port))
            os.replace(port_file + ".part", port_file)
            print("listening on port", port, flush=True)
            async with server:
                await server.serve_forever()


        asyncio.run(serve())
        """#
}
