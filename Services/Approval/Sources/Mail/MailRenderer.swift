import CLMContracts
import Foundation

/// Turns a `MailMessage` into the RFC 5322 text sent after DATA: ASCII only, CRLF line endings,
/// header lines within 78 characters where possible, a UTF-8 text body as 7bit or
/// quoted-printable.
enum MailRenderer {
    /// What the SMTP exchange needs from a message.
    struct Rendered: Sendable, Hashable {
        var sender: MailAddress
        var recipients: [MailAddress]
        /// With angle brackets.
        var messageID: String
        /// The whole message (headers, blank line, body), ending in CRLF; not dot-stuffed.
        var text: String
    }

    static let headerLineLimit = 78

    static func render(_ message: MailMessage, sender: MailAddress, date: Date = Date()) throws(SMTPError) -> Rendered {
        let recipients = try recipients(of: message)
        let messageID = try messageID(message.messageID, sender: sender)
        var headers: [String] = []
        headers.append("Date: \(dateHeader(date))")
        headers.append("From: \(sender)")
        headers.append(addressHeader("To", recipients))
        headers.append(try subjectHeader(message.subject))
        headers.append("Message-ID: \(messageID)")
        headers.append("MIME-Version: 1.0")
        headers.append("Content-Type: text/plain; charset=utf-8")
        let body = body(message.textBody)
        headers.append("Content-Transfer-Encoding: \(body.transferEncoding)")
        let text = headers.joined(separator: "\r\n") + "\r\n\r\n" + body.text
        return Rendered(sender: sender, recipients: recipients, messageID: messageID, text: text)
    }

    /// The body on the wire and its Content-Transfer-Encoding.
    ///
    /// ASCII text whose lines fit SMTP's 998-octet limit goes as `7bit`: unchanged but for CRLF
    /// line endings, so the raw message stays readable and a link in it can be found with grep
    /// (the dev mail catcher relies on that). Anything else goes as `quoted-printable` (see
    /// `QuotedPrintable` for why not `8bit`).
    static func body(_ text: String) -> (transferEncoding: String, text: String) {
        var lines = QuotedPrintable.splitLines(Array(text.utf8))
        if lines.count > 1, lines.last?.isEmpty == true { lines.removeLast() }
        let isSevenBit = lines.allSatisfy { line in
            line.count <= 998 && line.allSatisfy { $0 < 0x80 && $0 != 0 }
        }
        guard isSevenBit else { return ("quoted-printable", QuotedPrintable.encode(text)) }
        return ("7bit", lines.map { String(decoding: $0, as: UTF8.self) + "\r\n" }.joined())
    }

    /// The validated recipients, duplicates removed (first occurrence kept).
    static func recipients(of message: MailMessage) throws(SMTPError) -> [MailAddress] {
        guard !message.to.isEmpty else { throw SMTPError(.invalidMessage, reason: "message has no recipient") }
        var seen = Set<MailAddress>()
        var result: [MailAddress] = []
        for address in message.to {
            let parsed = try MailAddress(address)
            if seen.insert(parsed).inserted { result.append(parsed) }
        }
        return result
    }

    /// `<id@domain>`: the given one (brackets optional) after validation, or a fresh UUID at the
    /// sender's domain.
    static func messageID(_ given: String?, sender: MailAddress) throws(SMTPError) -> String {
        guard var id = given else { return "<\(UUID().lowercasedString)@\(sender.domain)>" }
        if id.hasPrefix("<") && id.hasSuffix(">") && id.count >= 2 { id = String(id.dropFirst().dropLast()) }
        let bytes = Array(id.utf8)
        let parts = bytes.split(separator: UInt8(ascii: "@"), omittingEmptySubsequences: false)
        guard bytes.count <= 250, parts.count == 2, MailAddress.isDotAtom(parts[0]),
            MailAddress.isDotAtom(parts[1]) || isLiteral(parts[1])
        else {
            throw SMTPError(.invalidMessage, reason: "invalid Message-ID (expected id@domain)")
        }
        return "<\(id)>"
    }

    private static func isLiteral(_ bytes: ArraySlice<UInt8>) -> Bool {
        bytes.count > 2 && bytes.first == UInt8(ascii: "[") && bytes.last == UInt8(ascii: "]")
            && bytes.dropFirst().dropLast().allSatisfy {
                (0x21...0x7E).contains($0) && $0 != UInt8(ascii: "[") && $0 != UInt8(ascii: "]")
                    && $0 != UInt8(ascii: "\\")
            }
    }

    /// The `Subject:` line(s): printable ASCII as is (folded at spaces when long), anything else
    /// as encoded-words. CR and LF (and other control characters but tab) are refused: in a
    /// header they would let the subject inject headers or end the header block.
    static func subjectHeader(_ subject: String) throws(SMTPError) -> String {
        for scalar in subject.unicodeScalars where scalar != "\t" {
            if scalar.value < 0x20 || scalar.value == 0x7F || scalar == "\u{85}" || scalar == "\u{2028}"
                || scalar == "\u{2029}"
            {
                throw SMTPError(
                    .invalidMessage,
                    reason: scalar == "\r" || scalar == "\n"
                        ? "subject contains a line break (header injection)" : "subject contains a control character")
            }
        }
        let isPlain =
            subject.utf8.allSatisfy { (0x20...0x7E).contains($0) } && !subject.contains("=?")
            && !subject.hasPrefix(" ") && !subject.hasSuffix(" ")
        if isPlain, let folded = fold("Subject: " + subject) { return folded }
        return "Subject: " + EncodedWord.encode(subject).joined(separator: "\r\n ")
    }

    /// Folds a header line at spaces so lines stay within 78 characters where a space allows;
    /// nil when some piece cannot be brought under the hard limit of 998.
    static func fold(_ line: String) -> String? {
        guard line.count > headerLineLimit else { return line }
        let words = line.split(separator: " ", omittingEmptySubsequences: false)
        var lines: [String] = []
        var current = String(words[0])
        for word in words.dropFirst() {
            if !word.isEmpty, current.count + 1 + word.count > headerLineLimit,
                current.contains(where: { $0 != " " })
            {
                lines.append(current)
                current = " " + word
            } else {
                current += " " + word
            }
        }
        lines.append(current)
        guard lines.allSatisfy({ $0.utf8.count <= 998 }) else { return nil }
        return lines.joined(separator: "\r\n")
    }

    /// `To: a@example.com, b@example.org`, folded after commas when long.
    static func addressHeader(_ name: String, _ addresses: [MailAddress]) -> String {
        var lines: [String] = []
        var current = "\(name):"
        for (index, address) in addresses.enumerated() {
            let piece = address.description + (index < addresses.count - 1 ? "," : "")
            if current.count + 1 + piece.count > headerLineLimit, index > 0 {
                lines.append(current)
                current = " " + piece
            } else {
                current += " " + piece
            }
        }
        lines.append(current)
        return lines.joined(separator: "\r\n")
    }

    /// RFC 5322 date-time in UTC: `Tue, 01 Jul 2025 09:05:03 +0000`.
    static func dateHeader(_ date: Date) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(secondsFromGMT: 0)!
        let parts = calendar.dateComponents([.weekday, .day, .month, .year, .hour, .minute, .second], from: date)
        let weekdays = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        func two(_ value: Int?) -> String {
            let value = value ?? 0
            return value < 10 ? "0\(value)" : "\(value)"
        }
        return "\(weekdays[(parts.weekday ?? 1) - 1]), \(two(parts.day)) \(months[(parts.month ?? 1) - 1]) "
            + "\(parts.year ?? 1970) \(two(parts.hour)):\(two(parts.minute)):\(two(parts.second)) +0000"
    }
}
