import Foundation
import Testing

@testable import Approval

@Suite("Mail: message rendering")
struct MailRendererTests {
    let sender = try! MailAddress("clm@ca.example.com")
    /// 2025-07-01T09:05:03Z, a Tuesday.
    let date = Date(timeIntervalSince1970: 1_751_360_703)

    func render(_ message: MailMessage) throws -> MailRenderer.Rendered {
        try MailRenderer.render(message, sender: sender, date: date)
    }

    /// No CR without LF, no LF without CR.
    func onlyCRLF(_ text: String) -> Bool {
        let bytes = Array(text.utf8)
        for (index, byte) in bytes.enumerated() {
            if byte == 13, index + 1 >= bytes.count || bytes[index + 1] != 10 { return false }
            if byte == 10, index == 0 || bytes[index - 1] != 13 { return false }
        }
        return true
    }

    @Test("headers, in order, with a blank line before the body")
    func headers() throws {
        let rendered = try render(
            MailMessage(
                to: ["alice@example.com", "bob@example.org"], subject: "Verify your e-mail address",
                textBody: "Hello\n", messageID: "req-42@clm.example.com"))
        #expect(
            rendered.text == """
                Date: Tue, 01 Jul 2025 09:05:03 +0000\r
                From: clm@ca.example.com\r
                To: alice@example.com, bob@example.org\r
                Subject: Verify your e-mail address\r
                Message-ID: <req-42@clm.example.com>\r
                MIME-Version: 1.0\r
                Content-Type: text/plain; charset=utf-8\r
                Content-Transfer-Encoding: 7bit\r
                \r
                Hello\r

                """)
        #expect(rendered.sender == sender)
        #expect(rendered.recipients.map(\.description) == ["alice@example.com", "bob@example.org"])
        #expect(rendered.messageID == "<req-42@clm.example.com>")
        #expect(rendered.text.utf8.allSatisfy { $0 < 0x80 })
    }

    @Test("dates are RFC 5322 in UTC")
    func dates() {
        #expect(MailRenderer.dateHeader(Date(timeIntervalSince1970: 0)) == "Thu, 01 Jan 1970 00:00:00 +0000")
        #expect(MailRenderer.dateHeader(Date(timeIntervalSince1970: 951_782_400)) == "Tue, 29 Feb 2000 00:00:00 +0000")
        #expect(
            MailRenderer.dateHeader(Date(timeIntervalSince1970: 1_767_225_599)) == "Wed, 31 Dec 2025 23:59:59 +0000")
    }

    @Test("Message-ID: given with or without brackets, generated at the sender's domain, validated")
    func messageIDs() throws {
        #expect(try MailRenderer.messageID("a.b@c.d", sender: sender) == "<a.b@c.d>")
        #expect(try MailRenderer.messageID("<a.b@c.d>", sender: sender) == "<a.b@c.d>")
        #expect(try MailRenderer.messageID("x@[10.0.0.1]", sender: sender) == "<x@[10.0.0.1]>")
        let generated = try MailRenderer.messageID(nil, sender: sender)
        #expect(generated.hasPrefix("<") && generated.hasSuffix("@ca.example.com>"))
        #expect(try MailRenderer.messageID(nil, sender: sender) != generated)
        for bad in ["", "<>", "no-at", "a@b@c", "a b@c", "a@b\r\nBcc: x@y", "<a@b", "a@b>", "@b", "a@"] {
            #expect(throws: SMTPError.self) { try MailRenderer.messageID(bad, sender: self.sender) }
        }
    }

    @Test("recipients are validated and de-duplicated; none at all is an error")
    func recipients() throws {
        let rendered = try render(MailMessage(to: ["a@x.org", "b@x.org", "a@x.org"], subject: "s", textBody: "b"))
        #expect(rendered.recipients.map(\.description) == ["a@x.org", "b@x.org"])
        #expect(throws: SMTPError(.invalidMessage, reason: "message has no recipient")) {
            try render(MailMessage(to: [], subject: "s", textBody: "b"))
        }
        #expect { try render(MailMessage(to: ["a@x.org", "b@x.org>"], subject: "s", textBody: "b")) } throws: {
            ($0 as? SMTPError)?.code == .invalidAddress
        }
    }

    @Test("a long To: list is folded after commas and unfolds to the list")
    func foldedTo() throws {
        let addresses = (1...8).map { "recipient-number-\($0)@example.com" }
        let header = MailRenderer.addressHeader("To", try addresses.map { try MailAddress($0) })
        #expect(header.components(separatedBy: "\r\n").allSatisfy { $0.count <= 78 })
        #expect(header.components(separatedBy: "\r\n").count > 1)
        #expect(MailDecoding.headerValue(header) == addresses.joined(separator: ", "))
    }

    @Test(
        "subjects with CR or LF (header injection) or control characters are refused",
        arguments: [
            "Hello\r\nBcc: everyone@example.com", "Hello\nBcc: x@y", "Hello\r", "bell\u{7}", "nul\u{0}",
            "next\u{85}line",
            "sep\u{2028}arator",
        ])
    func subjectInjection(_ subject: String) {
        #expect {
            try render(MailMessage(to: ["a@example.com"], subject: subject, textBody: "b"))
        } throws: { error in
            (error as? SMTPError)?.code == .invalidMessage
        }
    }

    @Test(
        "a UTF-8 subject becomes RFC 2047 encoded-words that decode back",
        arguments: [
            "Bestätigen Sie Ihre E-Mail-Adresse", "証明書リクエストの確認 ✓",
            "Emoji 👩‍💻 and accents éèê — " + String(repeating: "Ünïcödé ", count: 12),
            "=?utf-8?B?not-an-encoded-word?=", "Tab\tinside",
        ])
    func encodedSubject(_ subject: String) throws {
        let header = try MailRenderer.subjectHeader(subject)
        #expect(header.hasPrefix("Subject: =?utf-8?B?"))
        #expect(header.utf8.allSatisfy { $0 < 0x80 })
        for line in header.components(separatedBy: "\r\n") {
            #expect(line.count <= 76, "RFC 2047 limits lines with encoded-words to 76 characters")
        }
        #expect(MailDecoding.headerValue(header) == subject)
        // Every word decodes on its own to valid UTF-8 (no character split across words).
        for word in header.dropFirst("Subject: ".count).components(separatedBy: "\r\n ") {
            let data = try #require(Data(base64Encoded: String(word.dropFirst(10).dropLast(2))))
            #expect(String(data: data, encoding: .utf8) != nil)
        }
    }

    @Test("a long ASCII subject is folded at spaces and unfolds to itself")
    func foldedSubject() throws {
        let subject = "Please verify the e-mail address for certificate request 7c0a4d2e on realm acme-production now"
        let header = try MailRenderer.subjectHeader(subject)
        #expect(!header.contains("=?"))
        #expect(header.components(separatedBy: "\r\n").count == 2)
        #expect(header.components(separatedBy: "\r\n").allSatisfy { $0.count <= 78 })
        #expect(MailDecoding.headerValue(header) == subject)
        #expect(try MailRenderer.subjectHeader("Short one") == "Subject: Short one")
        // One unbreakable piece over 998 characters cannot be folded: encoded-words instead.
        let huge = String(repeating: "x", count: 1200)
        let encoded = try MailRenderer.subjectHeader(huge)
        #expect(encoded.hasPrefix("Subject: =?utf-8?B?"))
        #expect(MailDecoding.headerValue(encoded) == huge)
    }

    @Test("an ASCII body goes as 7bit, unchanged but for CRLF line endings")
    func sevenBitBody() throws {
        let link = "https://clm.example.com:8443/v1/verify/" + String(repeating: "AbC-_9", count: 12)
        let body = "Confirm:\n\n  \(link)\r\n.\rx = y \nend\n"
        let rendered = try render(MailMessage(to: ["a@example.com"], subject: "s", textBody: body))
        #expect(
            MailDecoding.header("Content-Transfer-Encoding", in: rendered.text) == "Content-Transfer-Encoding: 7bit")
        #expect(MailDecoding.split(rendered.text).body == "Confirm:\r\n\r\n  \(link)\r\n.\r\nx = y \r\nend\r\n")
        #expect(onlyCRLF(rendered.text))
        #expect(MailRenderer.body("").text == "\r\n")
        #expect(MailRenderer.body("a\n\n").text == "a\r\n\r\n")
        // A line over SMTP's 998-octet limit, or a NUL, needs quoted-printable.
        let long = MailRenderer.body(String(repeating: "x", count: 999))
        #expect(long.transferEncoding == "quoted-printable")
        #expect(long.text.components(separatedBy: "\r\n").allSatisfy { $0.count <= 76 })
        #expect(MailRenderer.body(String(repeating: "x", count: 998)).transferEncoding == "7bit")
        #expect(MailRenderer.body("nul\u{0}").transferEncoding == "quoted-printable")
        #expect(MailRenderer.body("ü").transferEncoding == "quoted-printable")
    }

    @Test("a non-ASCII body is quoted-printable with CRLF line endings whatever the input used")
    func bodyEncoding() throws {
        let body = "Line one\nLine two\r\nLine three\rGrüße, €5 = fünf Euro \nlast line without break"
        let rendered = try render(MailMessage(to: ["a@example.com"], subject: "s", textBody: body))
        #expect(onlyCRLF(rendered.text))
        #expect(rendered.text.utf8.allSatisfy { $0 < 0x80 })
        #expect(
            MailDecoding.header("Content-Transfer-Encoding", in: rendered.text)
                == "Content-Transfer-Encoding: quoted-printable")
        let encodedBody = MailDecoding.split(rendered.text).body
        #expect(encodedBody.contains("Gr=C3=BC=C3=9Fe, =E2=82=AC5 =3D f=C3=BCnf Euro=20\r\n"))
        #expect(encodedBody.hasSuffix("last line without break\r\n"))
        let decoded = String(decoding: MailDecoding.quotedPrintable(encodedBody), as: UTF8.self)
        #expect(decoded == "Line one\nLine two\nLine three\nGrüße, €5 = fünf Euro \nlast line without break\n")
    }

    @Test("long lines get soft breaks within 76 characters and a long URL survives intact")
    func softBreaks() throws {
        let url =
            "https://clm.example.com/v1/realms/acme/verifications/confirm?request=7c0a4d2e-6a1b-4f3e-9d55-0123456789ab&token="
            + String(repeating: "Zm9vYmFy", count: 20)
        let body =
            "Open this link:\n\(url)\n\n" + String(repeating: "ä", count: 100) + "\n"
            + String(repeating: " ", count: 90)
        let encoded = QuotedPrintable.encode(body)
        for line in encoded.components(separatedBy: "\r\n") {
            #expect(line.count <= 76)
            #expect(!line.hasSuffix(" ") && !line.hasSuffix("\t"), "trailing white space would be lost in transit")
        }
        #expect(String(decoding: MailDecoding.quotedPrintable(encoded), as: UTF8.self) == body + "\n")
        // Every "=" is a whole escape or a soft break: no escape is split across lines.
        for line in encoded.components(separatedBy: "\r\n") {
            let bytes = Array(line.utf8)
            for index in bytes.indices where bytes[index] == UInt8(ascii: "=") {
                let isSoftBreak = index == bytes.count - 1
                let isEscape =
                    bytes.count - index >= 3
                    && bytes[(index + 1)...(index + 2)].allSatisfy { Array("0123456789ABCDEF".utf8).contains($0) }
                #expect(isSoftBreak || isEscape)
            }
        }
    }

    @Test("quoted-printable edge cases")
    func quotedPrintableEdges() {
        #expect(QuotedPrintable.encode("") == "\r\n")
        #expect(QuotedPrintable.encode("a\n") == "a\r\n")
        #expect(QuotedPrintable.encode("a\n\n") == "a\r\n\r\n")
        #expect(QuotedPrintable.encode("trailing tab\t") == "trailing tab=09\r\n")
        #expect(QuotedPrintable.encode("x = y") == "x =3D y\r\n")
        #expect(QuotedPrintable.encode(String(repeating: "a", count: 76)) == String(repeating: "a", count: 76) + "\r\n")
        #expect(
            QuotedPrintable.encode(String(repeating: "a", count: 77))
                == String(repeating: "a", count: 75) + "=\r\naa\r\n")
        #expect(QuotedPrintable.encode(".\n..hidden") == ".\r\n..hidden\r\n")
    }

    @Test("dot-stuffing doubles a leading dot on every line and adds the end marker")
    func dotStuffing() {
        #expect(
            DotStuffing.stuff(".first\r\nsecond\r\n.\r\n..two\r\nmid.dle\r\n")
                == "..first\r\nsecond\r\n..\r\n...two\r\nmid.dle\r\n")
        #expect(DotStuffing.dataPayload("a\r\n.\r\nb\r\n") == "a\r\n..\r\nb\r\n.\r\n")
        #expect(DotStuffing.dataPayload("no final break") == "no final break\r\n.\r\n")
        // A bare LF is not a line break in SMTP data, so nothing after it is stuffed.
        #expect(DotStuffing.stuff("a\n.b") == "a\n.b")
    }

    @Test("a rendered message with dot lines is stuffed so no line is a lone '.' before the end")
    func renderedDotLines() throws {
        let body = "Hello,\n.\n.leading dot\n..two dots\nend"
        let rendered = try render(MailMessage(to: ["a@example.com"], subject: "s", textBody: body))
        let payload = DotStuffing.dataPayload(rendered.text)
        #expect(payload.hasSuffix("\r\nend\r\n.\r\n"))
        let lines = payload.components(separatedBy: "\r\n")
        #expect(lines.filter { $0 == "." }.count == 1)
        #expect(lines.contains("..") && lines.contains("..leading dot") && lines.contains("...two dots"))
        #expect(onlyCRLF(payload))
        // Undoing the stuffing gives back the rendered message.
        let unstuffed = lines.dropLast(2).map { $0.hasPrefix(".") ? String($0.dropFirst()) : $0 }
        #expect(unstuffed.joined(separator: "\r\n") + "\r\n" == rendered.text)
    }
}
