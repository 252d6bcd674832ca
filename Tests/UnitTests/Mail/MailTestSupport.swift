import Foundation

/// Independent decoders for checking what the mail renderer produces.
enum MailDecoding {
    /// Decodes quoted-printable text with CRLF line endings into bytes (hard breaks kept as LF).
    static func quotedPrintable(_ text: String) -> [UInt8] {
        var output: [UInt8] = []
        let lines = text.components(separatedBy: "\r\n")
        for (index, line) in lines.enumerated() {
            var bytes = Array(line.utf8)
            let soft = bytes.last == UInt8(ascii: "=")
            if soft { bytes.removeLast() }
            var position = 0
            while position < bytes.count {
                if bytes[position] == UInt8(ascii: "="), position + 2 < bytes.count,
                    let value = UInt8(
                        String(decoding: bytes[(position + 1)...(position + 2)], as: UTF8.self), radix: 16)
                {
                    output.append(value)
                    position += 3
                } else {
                    output.append(bytes[position])
                    position += 1
                }
            }
            if !soft, index < lines.count - 1 { output.append(UInt8(ascii: "\n")) }
        }
        return output
    }

    /// Unfolds a header (CRLF before white space) and decodes `=?utf-8?B?...?=` words; white
    /// space between adjacent encoded-words is dropped, as RFC 2047 says.
    static func headerValue(_ header: String) -> String {
        let unfolded = header.replacingOccurrences(of: "\r\n ", with: " ")
        guard let colon = unfolded.firstIndex(of: ":") else { return unfolded }
        let value = unfolded[unfolded.index(after: colon)...].drop(while: { $0 == " " })
        let words = value.split(separator: " ")
        guard words.allSatisfy({ $0.hasPrefix("=?utf-8?B?") && $0.hasSuffix("?=") }) else { return String(value) }
        var bytes: [UInt8] = []
        for word in words {
            let base64 = word.dropFirst("=?utf-8?B?".count).dropLast(2)
            bytes += Data(base64Encoded: String(base64)).map { [UInt8]($0) } ?? []
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// The header block and the body of a rendered message.
    static func split(_ message: String) -> (headers: [String], body: String) {
        let parts = message.components(separatedBy: "\r\n\r\n")
        let headerBlock = parts[0]
        var headers: [String] = []
        for line in headerBlock.components(separatedBy: "\r\n") {
            if line.hasPrefix(" ") || line.hasPrefix("\t"), !headers.isEmpty {
                headers[headers.count - 1] += "\r\n" + line
            } else {
                headers.append(line)
            }
        }
        return (headers, parts.dropFirst().joined(separator: "\r\n\r\n"))
    }

    static func header(_ name: String, in message: String) -> String? {
        split(message).headers.first { $0.lowercased().hasPrefix(name.lowercased() + ":") }
    }
}
