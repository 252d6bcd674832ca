/// Quoted-printable (RFC 2045 §6.7) for text bodies that are not plain short-lined ASCII.
///
/// Why quoted-printable rather than 8bit: the result is 7-bit ASCII, so the message needs no
/// 8BITMIME from the server (an 8bit body to a server without it may be bounced or mangled),
/// and soft line breaks keep every line under 76 characters, so a long line never hits SMTP's
/// 998-octet limit and still comes out whole after decoding. The price, `=XX` escapes and soft
/// breaks on the wire, is invisible to mail readers; bodies that need no encoding at all are
/// sent as 7bit instead (`MailRenderer.body`), so the common ASCII mail stays greppable.
enum QuotedPrintable {
    /// Encoded lines are at most this long, the soft-break `=` included.
    static let maximumLineLength = 76

    /// Encodes `text` as UTF-8: line breaks (CRLF, LF or CR) become CRLF hard breaks, the result
    /// ends with CRLF, and a final line break in `text` does not add an empty line.
    static func encode(_ text: String) -> String {
        var lines = splitLines(Array(text.utf8))
        if lines.count > 1, lines.last?.isEmpty == true { lines.removeLast() }
        var output = ""
        for line in lines {
            output += encodeLine(line)
            output += "\r\n"
        }
        return output
    }

    /// Splits at CRLF, LF and lone CR.
    static func splitLines(_ bytes: [UInt8]) -> [ArraySlice<UInt8>] {
        var lines: [ArraySlice<UInt8>] = []
        var start = 0
        var index = 0
        while index < bytes.count {
            switch bytes[index] {
            case UInt8(ascii: "\n"):
                lines.append(bytes[start..<index])
                index += 1
                start = index
            case UInt8(ascii: "\r"):
                lines.append(bytes[start..<index])
                index += (index + 1 < bytes.count && bytes[index + 1] == UInt8(ascii: "\n")) ? 2 : 1
                start = index
            default:
                index += 1
            }
        }
        lines.append(bytes[start..<bytes.count])
        return lines
    }

    /// One hard line, with soft breaks (`=` CRLF) so no physical line exceeds 76 characters.
    static func encodeLine(_ line: ArraySlice<UInt8>) -> String {
        let hex = Array("0123456789ABCDEF".utf8)
        var tokens: [[UInt8]] = []
        tokens.reserveCapacity(line.count)
        for (offset, byte) in line.enumerated() {
            let isLast = offset == line.count - 1
            let literal: Bool
            switch byte {
            case UInt8(ascii: " "), UInt8(ascii: "\t"):
                // Trailing whitespace may be stripped in transit, so it is encoded.
                literal = !isLast
            case UInt8(ascii: "="):
                literal = false
            default:
                literal = (33...126).contains(byte)
            }
            tokens.append(literal ? [byte] : [UInt8(ascii: "="), hex[Int(byte >> 4)], hex[Int(byte & 0x0F)]])
        }
        var output: [UInt8] = []
        var lineLength = 0
        for (index, token) in tokens.enumerated() {
            // The last token may use the whole line; others must leave room for the soft break.
            let limit = index == tokens.count - 1 ? maximumLineLength : maximumLineLength - 1
            if lineLength + token.count > limit {
                output += Array("=\r\n".utf8)
                lineLength = 0
            }
            output += token
            lineLength += token.count
        }
        return String(decoding: output, as: UTF8.self)
    }
}
