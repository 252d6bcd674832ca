import Approval
import Foundation
import Logging
import Synchronization
import Testing

/// The SMTP client against a real SMTP server (aiosmtpd) and against broken ones. Needs only
/// python3 with aiosmtpd, not the rest of the integration environment.
@Suite("SMTP client", .serialized, .timeLimit(.minutes(2)))
struct SMTPClientTests {
    let logs = LogCapture()

    var logger: Logger {
        var logger = Logger(label: "smtp-test") { [logs] _ in CapturingLogHandler(capture: logs) }
        logger.logLevel = .debug
        return logger
    }

    func client(_ configuration: SMTPConfiguration) -> SMTPClient {
        SMTPClient(configuration: configuration, logger: logger)
    }

    /// Runs `body` expecting an `SMTPError`, and returns it.
    func expectSMTPError(
        sourceLocation: SourceLocation = #_sourceLocation, _ body: () async throws -> Void
    ) async throws -> SMTPError {
        do {
            try await body()
        } catch let error as SMTPError {
            return error
        } catch {
            Issue.record("expected an SMTPError, got \(error)", sourceLocation: sourceLocation)
            throw error
        }
        Issue.record("expected an SMTPError, but the send succeeded", sourceLocation: sourceLocation)
        throw TestSetupError("no error")
    }

    @Test("a message arrives intact: envelope, headers, UTF-8 subject, body with dot lines")
    func delivers() async throws {
        let server = try await SMTPTestServer.start()
        defer { server.stop() }
        let token = "tok-\(uniqueSuffix())\(uniqueSuffix())"
        let link = "https://clm.example.com/v1/realms/acme/verifications/confirm?request=7c0a4d2e&token=\(token)"
        let subject = "Bestätigen Sie Ihre E-Mail-Adresse ✓ — Zertifikatsanfrage für äöü.example.com"
        let body = """
            Hello,

            please confirm your address by opening this link:
            \(link)
            .
            .a line that begins with a dot
            ..two dots
            Grüße, € = Euro, trailing space 
            -- 
            CLM
            """
        let messageID = "verify-\(uniqueSuffix())@clm.example.com"
        let message = MailMessage(
            to: ["alice@example.com", "Bob@Example.org"], subject: subject, textBody: body, messageID: messageID)
        try await client(server.configuration(sender: "clm@ca.example.com")).send(message)

        let mail = try await server.waitForMessage(to: "alice@example.com")
        #expect(mail.from == "clm@ca.example.com")
        #expect(mail.to == ["alice@example.com", "Bob@Example.org"])
        #expect(mail.extendedSMTP)
        #expect(mail.helo == "localhost")
        #expect(mail.subject == subject)
        #expect(mail.body == body + "\n")
        #expect(mail.body.contains("\n.\n.a line that begins with a dot\n..two dots\n"))
        #expect(mail.defects == [], "Python's parser found problems: \(mail.defects)")
        #expect(mail.header("From") == "clm@ca.example.com")
        #expect(mail.header("To") == "alice@example.com, Bob@Example.org")
        #expect(mail.header("Message-ID") == "<\(messageID)>")
        #expect(mail.header("MIME-Version") == "1.0")
        #expect(mail.header("Content-Type")?.hasPrefix("text/plain") == true)
        #expect(mail.header("Content-Type")?.contains("utf-8") == true)
        #expect(mail.header("Content-Transfer-Encoding") == "quoted-printable")
        let date = try #require(mail.header("Date"))
        #expect(date.hasSuffix("+0000"))
        // On the wire: 7-bit, CRLF only, the subject as encoded-words.
        #expect(mail.raw.utf8.allSatisfy { $0 < 0x80 })
        #expect(!mail.raw.replacingOccurrences(of: "\r\n", with: "").contains("\n"))
        #expect(mail.raw.contains("Subject: =?utf-8?B?"))
        #expect(server.messages().count == 1)

        // Debug logs were written, with metadata, and never carry the body or its token.
        let entries = logs.entries
        #expect(entries.contains { $0.contains("smtp.step=RCPT TO") && $0.contains("mail.message-id=<\(messageID)>") })
        #expect(
            entries.contains { $0.hasPrefix("debug mail sent") && $0.contains("smtp.server=127.0.0.1:\(server.port)") })
        #expect(!entries.contains { $0.contains(token) })
        #expect(!entries.contains { $0.contains("a line that begins with a dot") })
    }

    @Test("several messages over separate connections, duplicate recipients sent once")
    func severalMessages() async throws {
        let server = try await SMTPTestServer.start()
        defer { server.stop() }
        let smtp = client(server.configuration())
        for index in 1...3 {
            try await smtp.send(
                MailMessage(
                    to: ["user\(index)@example.com", "user\(index)@example.com"], subject: "n\(index)",
                    textBody: "#\(index)"))
        }
        let messages = server.messages()
        #expect(messages.map(\.subject) == ["n1", "n2", "n3"])
        #expect(messages.map(\.to) == [["user1@example.com"], ["user2@example.com"], ["user3@example.com"]])
        #expect(messages.map(\.body) == ["#1\n", "#2\n", "#3\n"])
        #expect(messages.allSatisfy { $0.header("Message-ID")?.hasSuffix("@localhost>") == true })
        // ASCII bodies travel as 7bit, so the raw message holds the text as is.
        #expect(messages.allSatisfy { $0.header("Content-Transfer-Encoding") == "7bit" })
        #expect(messages.allSatisfy { $0.raw.hasSuffix("\r\n\r\n#\($0.subject.dropFirst())\r\n") })
        #expect(Set(messages.compactMap { $0.header("Message-ID") }).count == 3)
    }

    @Test("EHLO refused with 502: the client falls back to HELO")
    func heloFallback() async throws {
        let server = try await SMTPTestServer.start(refuseEHLO: true)
        defer { server.stop() }
        var configuration = server.configuration()
        configuration.helo = "clm.example.com"
        try await client(configuration).send(MailMessage(to: ["a@example.com"], subject: "helo", textBody: "x"))
        let mail = try await server.waitForMessage(to: "a@example.com")
        #expect(!mail.extendedSMTP)
        #expect(mail.helo == "clm.example.com")
    }

    @Test("AUTH PLAIN: right credentials pass, wrong ones are a permanent 535, no AUTH offered is an error")
    func authPlain() async throws {
        let server = try await SMTPTestServer.start(credentials: ("clm-mailer", "s3cret pass"))
        defer { server.stop() }
        var configuration = server.configuration()
        configuration.username = "clm-mailer"
        configuration.password = "s3cret pass"
        configuration.allowPlaintextAuth = true
        try await client(configuration).send(MailMessage(to: ["a@example.com"], subject: "auth", textBody: "x"))
        let mail = try await server.waitForMessage(to: "a@example.com")
        #expect(mail.authenticatedAs == "clm-mailer")

        configuration.password = "wrong"
        let wrong = try await expectSMTPError {
            try await client(configuration).send(MailMessage(to: ["b@example.com"], subject: "auth", textBody: "x"))
        }
        #expect(wrong.code == .rejected)
        #expect(wrong.replyCode == 535)
        #expect(!wrong.isTransient)
        #expect(!wrong.reason.contains("wrong"))
        #expect(server.messages().count == 1)

        // Without the opt-in, credentials are refused before connecting.
        configuration.allowPlaintextAuth = false
        let refused = try await expectSMTPError {
            try await client(configuration).send(MailMessage(to: ["c@example.com"], subject: "auth", textBody: "x"))
        }
        #expect(refused.code == .invalidConfiguration)

        // A server that offers no AUTH (aiosmtpd without TLS) cannot take credentials.
        let plain = try await SMTPTestServer.start()
        defer { plain.stop() }
        var noAuth = plain.configuration()
        noAuth.username = "clm-mailer"
        noAuth.password = "s3cret pass"
        noAuth.allowPlaintextAuth = true
        let unavailable = try await expectSMTPError {
            try await client(noAuth).send(MailMessage(to: ["d@example.com"], subject: "auth", textBody: "x"))
        }
        #expect(unavailable.code == .authenticationUnavailable)
        #expect(!unavailable.isTransient)
        #expect(plain.messages().isEmpty)

        #expect(!logs.entries.contains { $0.contains("s3cret") })
    }

    @Test("a recipient rejected with 550 is a permanent rejection, and nothing is sent")
    func rejectedRecipient() async throws {
        let server = try await SMTPTestServer.start(rejectingRecipients: ["nobody@example.com"])
        defer { server.stop() }
        let smtp = client(server.configuration())
        for recipients in [["nobody@example.com"], ["alice@example.com", "Nobody@example.com"]] {
            let error = try await expectSMTPError {
                try await smtp.send(MailMessage(to: recipients, subject: "s", textBody: "x"))
            }
            #expect(error.code == .rejected)
            #expect(error.replyCode == 550)
            #expect(!error.isTransient)
            #expect(error.reason.lowercased().contains("nobody@example.com"))
            #expect(error.reason.contains("5.1.1"))
        }
        #expect(server.messages().isEmpty)
        // The connection was left cleanly, and the server still serves.
        try await smtp.send(MailMessage(to: ["alice@example.com"], subject: "s", textBody: "x"))
        _ = try await server.waitForMessage(to: "alice@example.com")
    }

    @Test("nothing listening: a transient connect failure")
    func connectionRefused() async throws {
        let port = try freePort()
        let started = ContinuousClock.now
        let error = try await expectSMTPError {
            try await client(SMTPConfiguration(port: port, timeout: .seconds(5)))
                .send(MailMessage(to: ["a@example.com"], subject: "s", textBody: "x"))
        }
        #expect(error.code == .connectFailed)
        #expect(error.isTransient)
        #expect(error.reason.contains("127.0.0.1:\(port)"))
        #expect(ContinuousClock.now - started < .seconds(4))
    }

    @Test("a server that accepts but never speaks: a transient timeout after the configured time")
    func silentServer() async throws {
        let server = try await SMTPTestServer.start(mode: .silent)
        defer { server.stop() }
        let started = ContinuousClock.now
        let error = try await expectSMTPError {
            try await client(server.configuration(timeout: .seconds(1)))
                .send(MailMessage(to: ["a@example.com"], subject: "s", textBody: "x"))
        }
        let elapsed = ContinuousClock.now - started
        #expect(error.code == .timeout)
        #expect(error.isTransient)
        #expect(error.reason.contains("greeting"), "the error names the step that stalled: \(error.reason)")
        #expect(elapsed >= .milliseconds(900))
        #expect(elapsed < .seconds(4))
    }

    @Test("a server that hangs up mid-exchange: a transient connectionClosed naming the step")
    func hangUp() async throws {
        let server = try await SMTPTestServer.start(mode: .hangUp)
        defer { server.stop() }
        let started = ContinuousClock.now
        let error = try await expectSMTPError {
            try await client(server.configuration(timeout: .seconds(5)))
                .send(MailMessage(to: ["a@example.com"], subject: "s", textBody: "x"))
        }
        #expect(error.code == .connectionClosed)
        #expect(error.isTransient)
        #expect(error.reason.contains("EHLO"), "\(error.reason)")
        #expect(ContinuousClock.now - started < .seconds(4))
    }

    @Test("the test server stops, and its child process is gone")
    func serverStops() async throws {
        let server = try await SMTPTestServer.start()
        #expect(server.isRunning)
        server.stop()
        #expect(!server.isRunning)
        server.stop()
        let error = try await expectSMTPError {
            try await client(server.configuration(timeout: .seconds(3)))
                .send(MailMessage(to: ["a@example.com"], subject: "s", textBody: "x"))
        }
        #expect(error.code == .connectFailed)
    }
}

/// Collects log lines (level, message and all metadata) so tests can check what is logged.
final class LogCapture: Sendable {
    private let lines = Mutex<[String]>([])

    var entries: [String] { lines.withLock { $0 } }

    func append(_ line: String) { lines.withLock { $0.append(line) } }
}

struct CapturingLogHandler: LogHandler {
    let capture: LogCapture
    var logLevel: Logger.Level = .trace
    var metadata: Logger.Metadata = [:]

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        let merged = metadata.merging(event.metadata ?? [:]) { $1 }
        let pairs = merged.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }
        capture.append("\(event.level) \(event.message) \(pairs.joined(separator: " "))")
    }
}
