import Logging
import Testing

@testable import Approval

@Suite("Mail: errors and configuration")
struct SMTPErrorTests {
    @Test("4xx replies, connect failures, timeouts and dropped connections are transient")
    func transient() {
        for code in [421, 450, 451, 452, 454] {
            #expect(SMTPError(.rejected, replyCode: code, reason: "").isTransient)
        }
        #expect(SMTPError(.connectFailed, reason: "").isTransient)
        #expect(SMTPError(.timeout, reason: "").isTransient)
        #expect(SMTPError(.connectionClosed, reason: "").isTransient)
    }

    @Test("5xx replies and local problems are permanent")
    func permanent() {
        for code in [500, 501, 535, 550, 552, 553, 554] {
            #expect(!SMTPError(.rejected, replyCode: code, reason: "").isTransient)
        }
        #expect(!SMTPError(.rejected, reason: "no code").isTransient)
        for code: SMTPError.Code in [
            .protocolViolation, .invalidAddress, .invalidMessage, .invalidConfiguration, .authenticationUnavailable,
        ] {
            #expect(!SMTPError(code, reason: "").isTransient)
        }
    }

    @Test("the description names code, reply and classification")
    func description() {
        let error = SMTPError(.rejected, replyCode: 550, reason: "server rejected RCPT TO:<x@y>: 550 no")
        #expect(error.description == "SMTP rejected (550): server rejected RCPT TO:<x@y>: 550 no [permanent]")
        #expect(SMTPError(.timeout, reason: "slow").description == "SMTP timeout: slow [transient]")
    }

    @Test("reply checks: expected codes pass, 4xx/5xx are rejections, others protocol violations")
    func requireReply() throws {
        try SMTPConversation.require(SMTPReply(code: 250, lines: ["ok"]), [250, 251], "RCPT TO")
        try SMTPConversation.require(SMTPReply(code: 251, lines: ["forwarded"]), [250, 251], "RCPT TO")
        #expect(throws: SMTPError(.rejected, replyCode: 451, reason: "server rejected DATA: 451 try later")) {
            try SMTPConversation.require(SMTPReply(code: 451, lines: ["try later"]), [354], "DATA")
        }
        #expect(throws: SMTPError(.rejected, replyCode: 554, reason: "server rejected the connection: 554 go away")) {
            try SMTPConversation.require(SMTPReply(code: 554, lines: ["go away"]), [220], "the connection")
        }
        #expect(throws: SMTPError(.protocolViolation, replyCode: 354, reason: "unexpected reply to MAIL FROM: 354 ")) {
            try SMTPConversation.require(SMTPReply(code: 354, lines: [""]), [250], "MAIL FROM")
        }
    }

    @Test("configuration defaults match the documented environment defaults")
    func defaults() throws {
        let configuration = SMTPConfiguration()
        #expect(configuration.host == "127.0.0.1")
        #expect(configuration.port == 2525)
        #expect(configuration.sender == "clm@localhost")
        #expect(configuration.helo == "localhost")
        #expect(configuration.username == nil && configuration.password == nil)
        #expect(!configuration.allowPlaintextAuth)
        #expect(configuration.timeout == .seconds(10))
        try configuration.validate()
        #expect(try configuration.credentials() == nil)
    }

    @Test("credentials are refused over plaintext unless explicitly allowed")
    func plaintextAuth() throws {
        var configuration = SMTPConfiguration(username: "clm", password: "secret")
        #expect(throws: SMTPError.self) { try configuration.validate() }
        do {
            try configuration.validate()
        } catch {
            #expect(error.code == .invalidConfiguration)
            #expect(!error.reason.contains("secret"))
        }
        configuration.allowPlaintextAuth = true
        try configuration.validate()
        let credentials = try #require(try configuration.credentials())
        #expect(credentials.username == "clm" && credentials.password == "secret")

        configuration.password = nil
        #expect(throws: SMTPError.self) { try configuration.validate() }
    }

    @Test("bad host, port, HELO, sender or timeout are configuration errors")
    func invalidConfiguration() {
        let broken = [
            SMTPConfiguration(host: ""), SMTPConfiguration(host: "mail example"), SMTPConfiguration(port: 0),
            SMTPConfiguration(port: 70000), SMTPConfiguration(helo: ""), SMTPConfiguration(helo: "my host"),
            SMTPConfiguration(helo: "host\r\nMAIL FROM:<x@y>"), SMTPConfiguration(timeout: .zero),
        ]
        for configuration in broken {
            #expect {
                try configuration.validate()
            } throws: { ($0 as? SMTPError)?.code == .invalidConfiguration }
        }
        #expect {
            try SMTPConfiguration(sender: "not an address").validate()
        } throws: { ($0 as? SMTPError)?.code == .invalidAddress }
    }

    @Test("send refuses an invalid message before connecting")
    func sendValidatesFirst() async {
        // Port 9 on loopback (discard) is never an SMTP server; validation must fail first.
        let client = SMTPClient(
            configuration: SMTPConfiguration(port: 9, timeout: .seconds(1)), logger: Logger(label: "smtp-test"))
        let cases: [(MailMessage, SMTPError.Code)] = [
            (MailMessage(to: [], subject: "s", textBody: "b"), .invalidMessage),
            (MailMessage(to: ["bad address"], subject: "s", textBody: "b"), .invalidAddress),
            (MailMessage(to: ["a@example.com"], subject: "s\r\nBcc: x@y", textBody: "b"), .invalidMessage),
            (MailMessage(to: ["a@example.com"], subject: "s", textBody: "b", messageID: "no-at-sign"), .invalidMessage),
        ]
        for (message, code) in cases {
            await #expect {
                try await client.send(message)
            } throws: { ($0 as? SMTPError)?.code == code }
        }
    }
}
