import Testing

@testable import Approval

@Suite("Mail: SMTP replies")
struct SMTPReplyParserTests {
    func feed(_ lines: [String]) throws(SMTPError) -> [SMTPReply] {
        var parser = SMTPReplyParser()
        var replies: [SMTPReply] = []
        for line in lines {
            if let reply = try parser.feed(line: Array(line.utf8)) { replies.append(reply) }
        }
        return replies
    }

    @Test("a single-line reply, with CRLF, bare LF or no line ending")
    func singleLine() throws {
        for line in [
            "220 mail.example.com ESMTP ready\r\n", "220 mail.example.com ESMTP ready\n",
            "220 mail.example.com ESMTP ready",
        ] {
            let replies = try feed([line])
            #expect(replies == [SMTPReply(code: 220, lines: ["mail.example.com ESMTP ready"])])
        }
    }

    @Test("a bare code is a complete reply with empty text")
    func bareCode() throws {
        #expect(try feed(["250\r\n"]) == [SMTPReply(code: 250, lines: [""])])
        #expect(try feed(["354 \r\n"]) == [SMTPReply(code: 354, lines: [""])])
    }

    @Test("continuation lines (250-) build one reply; extensions are parsed from EHLO")
    func multiLine() throws {
        var parser = SMTPReplyParser()
        #expect(try parser.feed(line: Array("250-smtp.example.com Hello\r\n".utf8)) == nil)
        #expect(parser.hasPartialReply)
        #expect(try parser.feed(line: Array("250-SIZE 33554432\r\n".utf8)) == nil)
        #expect(try parser.feed(line: Array("250-8BITMIME\r\n".utf8)) == nil)
        #expect(try parser.feed(line: Array("250-AUTH PLAIN login\r\n".utf8)) == nil)
        #expect(try parser.feed(line: Array("250-AUTH=CRAM-MD5\r\n".utf8)) == nil)
        let reply = try #require(try parser.feed(line: Array("250 HELP\r\n".utf8)))
        #expect(!parser.hasPartialReply)
        #expect(reply.code == 250)
        #expect(
            reply.lines == [
                "smtp.example.com Hello", "SIZE 33554432", "8BITMIME", "AUTH PLAIN login", "AUTH=CRAM-MD5", "HELP",
            ])
        #expect(reply.isPositiveCompletion)
        let extensions = reply.extensions
        #expect(extensions["SIZE"] == ["33554432"])
        #expect(extensions["8BITMIME"] == [])
        #expect(extensions["AUTH"] == ["PLAIN", "LOGIN", "CRAM-MD5"])
        #expect(extensions["HELP"] == [])
        #expect(extensions["SMTP.EXAMPLE.COM"] == nil)

        // The parser is ready for the next reply.
        #expect(try parser.feed(line: Array("221 bye\r\n".utf8)) == SMTPReply(code: 221, lines: ["bye"]))
    }

    @Test("several replies in sequence")
    func sequence() throws {
        let replies = try feed(["220 hi\r\n", "250-a\r\n", "250 b\r\n", "550 5.1.1 no such user\r\n"])
        #expect(replies.map(\.code) == [220, 250, 550])
        #expect(replies[2].isPermanentFailure)
        #expect(replies[2].summary == "5.1.1 no such user")
    }

    @Test("reply classes")
    func classes() {
        #expect(SMTPReply(code: 221, lines: []).isPositiveCompletion)
        #expect(SMTPReply(code: 354, lines: []).isPositiveIntermediate)
        #expect(SMTPReply(code: 421, lines: []).isTransientFailure)
        #expect(SMTPReply(code: 451, lines: []).isTransientFailure)
        #expect(SMTPReply(code: 554, lines: []).isPermanentFailure)
        #expect(!SMTPReply(code: 554, lines: []).isTransientFailure)
    }

    @Test(
        "what is not an SMTP reply is a protocol violation",
        arguments: [
            "HTTP/1.1 400 Bad Request\r\n", "25\r\n", "\r\n", "abc def\r\n", "2500 ok\r\n", "250_ok\r\n",
            "650 nope\r\n",
            "150 nope\r\n", "-250 x\r\n",
        ])
    func garbage(_ line: String) {
        #expect {
            try feed([line])
        } throws: { error in
            (error as? SMTPError)?.code == .protocolViolation
        }
    }

    @Test("a continuation line with another code is a protocol violation")
    func mixedCodes() {
        #expect {
            try feed(["250-first\r\n", "251 second\r\n"])
        } throws: { error in
            (error as? SMTPError)?.code == .protocolViolation
        }
    }

    @Test("a reply without end is cut off")
    func endless() {
        #expect {
            try feed(Array(repeating: "250-more\r\n", count: SMTPReplyParser.maximumLines + 1))
        } throws: { error in
            (error as? SMTPError)?.code == .protocolViolation
        }
    }

    @Test("the summary is free of control characters and bounded")
    func summary() {
        let reply = SMTPReply(code: 550, lines: ["bad\u{1B}[31m", String(repeating: "x", count: 1000)])
        #expect(!reply.summary.contains("\u{1B}"))
        #expect(reply.summary.count <= 301)
    }
}
