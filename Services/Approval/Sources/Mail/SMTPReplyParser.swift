/// Turns reply lines into replies (RFC 5321 §4.2): `NNN-text` continues a reply, `NNN text`
/// or a bare `NNN` ends it, and every line of one reply carries the same code.
struct SMTPReplyParser: Sendable {
    /// More lines than any sane server sends in one reply (EHLO lists a dozen or so).
    static let maximumLines = 200

    private var code: Int?
    private var lines: [String] = []

    init() {}

    /// Whether lines of an unfinished reply are buffered.
    var hasPartialReply: Bool { code != nil }

    /// Takes one line (with or without its CRLF / LF) and returns the reply it completes.
    mutating func feed(line raw: some Collection<UInt8>) throws(SMTPError) -> SMTPReply? {
        var bytes = Array(raw)
        if bytes.last == UInt8(ascii: "\n") { bytes.removeLast() }
        if bytes.last == UInt8(ascii: "\r") { bytes.removeLast() }

        guard bytes.count >= 3, bytes[0...2].allSatisfy({ (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }),
            (UInt8(ascii: "2")...UInt8(ascii: "5")).contains(bytes[0])
        else {
            throw violation("not an SMTP reply line", bytes)
        }
        let lineCode = bytes[0...2].reduce(0) { $0 * 10 + Int($1 - UInt8(ascii: "0")) }
        let isLast: Bool
        switch bytes.count > 3 ? bytes[3] : nil {
        case nil, UInt8(ascii: " "): isLast = true
        case UInt8(ascii: "-"): isLast = false
        default: throw violation("reply code not followed by ' ' or '-'", bytes)
        }
        if let code, code != lineCode {
            throw violation("reply line with code \(lineCode) inside a \(code) reply", bytes)
        }
        code = lineCode
        lines.append(bytes.count > 4 ? String(decoding: bytes[4...], as: UTF8.self) : "")
        guard isLast else {
            guard lines.count < Self.maximumLines else {
                throw SMTPError(.protocolViolation, replyCode: lineCode, reason: "server reply has too many lines")
            }
            return nil
        }
        let reply = SMTPReply(code: lineCode, lines: lines)
        code = nil
        lines = []
        return reply
    }

    private func violation(_ what: String, _ bytes: [UInt8]) -> SMTPError {
        let printable = bytes.prefix(80).map { (0x20...0x7E).contains($0) ? $0 : UInt8(ascii: "?") }
        let shown = String(decoding: printable, as: UTF8.self)
        return SMTPError(.protocolViolation, reason: "\(what): '\(shown)'")
    }
}
