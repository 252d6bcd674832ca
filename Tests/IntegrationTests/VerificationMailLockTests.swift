import CLMClient
import CLMContracts
import Foundation
import Logging
import PostgresNIO
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// E-mail verification over the real stack with an SMTP server that stalls mid-conversation
/// (issue 10, defect 2): the mailer must not hold a transaction, and so row locks, open while
/// it talks SMTP. The test speaks only HTTP and SMTP to the services and reads the database
/// over a PostgreSQL connection of its own.
@Suite("Verification mail lock", .serialized, .timeLimit(.minutes(5)))
struct VerificationMailLockTests {
    @Test("while a verification mail is stuck in SMTP, anyone else can lock its request's rows at once")
    func noLockDuringSMTP() async throws {
        let environment = try TestEnvironment.require()
        let smtp = try StallingSMTPServer.start()
        defer { smtp.stop() }
        try await TestStack.with(environment) { stack in
            let approval = stack["approval"]
            approval.setEnvironment("CLM_SMTP_PORT", "\(smtp.port)")
            // Longer than the test: the conversation stays stuck until the server lets go.
            approval.setEnvironment("CLM_SMTP_TIMEOUT_SECONDS", "240")
            approval.setEnvironment("CLM_PUBLIC_URL", approval.baseURL.absoluteString)
            try await stack.start()
            let workflow = try await Workflow.prepare(stack)
            let realm = workflow.realm
            let policy = Workflow.policy(id: "mail-verified") {
                $0.approval = .init(mode: .email, linkLifetime: "15m")
            }
            try await workflow.expect(201, "POST", "/v1/realms/\(realm)/policies", on: workflow.registry, policy)
            try await workflow.expect(
                201, "POST", "/v1/realms/\(realm)/end-entities", on: workflow.registry,
                EndEntity(
                    id: "alice", kind: .person,
                    attributes: .init(commonName: "alice example", email: "alice@test.example")))
            let csr = try OpenSSL.hostileCSR(directory: try temporaryDirectory())
            let submitted = try await workflow.submit(
                SubmitRequestBody(policy: "mail-verified", entities: ["alice"], csr: csr))
            let id = submitted.id.uuidString
            let request = submitted.id

            try await smtp.waitUntilStalled(timeout: .seconds(60))
            let connection = try await Self.connect(environment, database: stack.database.name)
            do {
                // A few times over some seconds, in case a lock is taken only after the stall began.
                for round in 1...3 {
                    for table in ["approval.verifications", "approval.decisions"] {
                        switch try await Self.lockNowait(table, request: request, on: connection) {
                        case .free(let rows):
                            #expect(rows >= 1, "no \(table) row for request \(id)")
                        case .locked(let sqlState):
                            let what = "round \(round): \(table) rows of request \(id) are locked"
                            Issue.record("\(what) while the mail is stuck in SMTP (SQLSTATE \(sqlState))")
                        }
                    }
                    try await Task.sleep(for: .seconds(1))
                }
                #expect(smtp.stalledSessions == 1, "the checks ran while the mail was stuck in SMTP")
                // Nothing moved on while the mail was stuck.
                let view = try await workflow.intake.send("GET", "/v1/realms/\(realm)/requests/\(id)")
                #expect((try? view.decode(RequestView.self))?.state == .awaitingVerification)
            } catch {
                try? await connection.close()
                throw error
            }
            try await connection.close()
            // Let go of the conversation, so the mailer is not stuck while the stack stops.
            smtp.stop()
        }
    }

    static func connect(_ environment: TestEnvironment, database: String) async throws -> PostgresConnection {
        try await PostgresConnection.connect(
            configuration: .init(
                host: environment.pgHost, port: environment.pgPort, username: environment.pgAdminUser,
                password: environment.pgAdminPassword, database: database, tls: .disable),
            id: 1, logger: Logger(label: "test.verification-lock"))
    }

    enum LockAttempt {
        /// Locked (and let go again): how many rows there are.
        case free(rows: Int)
        /// Another transaction holds them: the SQLSTATE (55P03 lock_not_available).
        case locked(sqlState: String)
    }

    /// Locks the request's rows of `table` without waiting, then lets go.
    static func lockNowait(_ table: String, request: UUID, on connection: PostgresConnection) async throws
        -> LockAttempt
    {
        let logger = Logger(label: "test.verification-lock")
        try await connection.query("BEGIN", logger: logger)
        let attempt: LockAttempt
        do {
            let rows = try await connection.query(
                "SELECT 1 FROM \(unescaped: table) WHERE request_id = \(request) FOR UPDATE NOWAIT", logger: logger
            ).collectAll()
            attempt = .free(rows: rows.count)
        } catch let error as PSQLError {
            guard let sqlState = error.serverInfo?[.sqlState] else { throw error }
            attempt = .locked(sqlState: sqlState)
        }
        try await connection.query("ROLLBACK", logger: logger)
        return attempt
    }
}

/// An SMTP server that greets, answers EHLO, and then says nothing more after `MAIL FROM`:
/// the client waits mid-conversation until its own timeout or until `stop()`.
final class StallingSMTPServer: @unchecked Sendable {
    let port: Int
    private let listener: Int32
    private let lock = NSLock()
    private var sessions: [Int32] = []
    private var stalled: Set<Int32> = []
    private var stopped = false

    private init(port: Int, listener: Int32) {
        self.port = port
        self.listener = listener
    }

    deinit { stop() }

    static func start() throws -> StallingSMTPServer {
        let listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard listener >= 0 else { throw TestSetupError("socket: errno \(errno)") }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer in
                bind(listener, pointer, length) == 0 && listen(listener, 16) == 0
                    && getsockname(listener, pointer, &length) == 0
            }
        }
        guard bound else {
            close(listener)
            throw TestSetupError("cannot listen on 127.0.0.1: errno \(errno)")
        }
        let server = StallingSMTPServer(port: Int(UInt16(bigEndian: address.sin_port)), listener: listener)
        Thread.detachNewThread { server.acceptLoop() }
        return server
    }

    /// Conversations that reached `MAIL FROM` and are still open.
    var stalledSessions: Int { lock.withLock { stalled.count } }

    func waitUntilStalled(timeout: Duration) async throws {
        let deadline = ContinuousClock.now + timeout
        while stalledSessions == 0 {
            guard ContinuousClock.now < deadline else {
                throw TestSetupError("no SMTP conversation reached MAIL FROM within \(timeout)")
            }
            try await Task.sleep(for: .milliseconds(50))
        }
    }

    /// Ends every conversation and stops listening. Safe to call more than once.
    func stop() {
        let sockets = lock.withLock { () -> [Int32] in
            defer { stopped = true }
            return stopped ? [] : sessions + [listener]
        }
        for socket in sockets { shutdown(socket, Int32(SHUT_RDWR)) }
    }

    private func acceptLoop() {
        while true {
            let session = accept(listener, nil, nil)
            guard session >= 0 else { break }
            let open = lock.withLock { () -> Bool in
                if !stopped { sessions.append(session) }
                return !stopped
            }
            guard open else {
                close(session)
                break
            }
            Thread.detachNewThread { self.serve(session) }
        }
        close(listener)
    }

    private func serve(_ session: Int32) {
        defer {
            lock.withLock {
                sessions.removeAll { $0 == session }
                stalled.remove(session)
            }
            close(session)
        }
        guard say("220 stall.test ESMTP\r\n", on: session), readLine(session) != nil,
            say("250 stall.test\r\n", on: session), let command = readLine(session),
            command.uppercased().hasPrefix("MAIL FROM")
        else { return }
        lock.withLock { _ = stalled.insert(session) }
        // Say nothing more; read until the client gives up or stop() shuts the socket.
        while readLine(session) != nil {}
    }

    private func say(_ text: String, on session: Int32) -> Bool {
        let bytes = Array(text.utf8)
        return bytes.withUnsafeBytes { send(session, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) } == bytes.count
    }

    private func readLine(_ session: Int32) -> String? {
        var line: [UInt8] = []
        var byte: UInt8 = 0
        while recv(session, &byte, 1, 0) == 1 {
            if byte == UInt8(ascii: "\n") { return String(decoding: line, as: UTF8.self) }
            if byte != UInt8(ascii: "\r") { line.append(byte) }
        }
        return nil
    }
}
