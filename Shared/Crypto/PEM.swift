import Foundation

/// Minimal PEM (RFC 7468) encoding and decoding.
///
/// Only the strict textual form is accepted: `-----BEGIN label-----`, base64 lines,
/// `-----END label-----`, with matching labels. Encapsulated headers (`Proc-Type`) are refused.
public enum PEM {
    /// One decoded PEM block.
    public struct Block: Sendable, Hashable {
        /// The label between `BEGIN`/`END`, e.g. `"CERTIFICATE"`.
        public let label: String
        /// The decoded DER bytes.
        public let der: [UInt8]

        public init(label: String, der: [UInt8]) {
            self.label = label
            self.der = der
        }
    }

    /// Encodes DER bytes as PEM with 64-character lines and a trailing newline.
    public static func encode(label: String, der: [UInt8]) -> String {
        let body = Base64.encode(der)
        var text = "-----BEGIN \(label)-----\n"
        var index = body.startIndex
        while index < body.endIndex {
            let end = body.index(index, offsetBy: 64, limitedBy: body.endIndex) ?? body.endIndex
            text += body[index..<end]
            text += "\n"
            index = end
        }
        text += "-----END \(label)-----\n"
        return text
    }

    /// Decodes every PEM block in `text`, in order. Text between blocks is ignored.
    ///
    /// - Throws: ``CryptoError/malformedInput`` if a block is unterminated, mislabelled or not valid base64,
    ///   or if there is no block at all.
    public static func decodeAll(_ text: String) throws -> [Block] {
        var blocks: [Block] = []
        var lines = text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" })
            .map { $0.trimmingCharacters(in: .whitespaces) }[...]
        while let first = lines.first {
            lines = lines.dropFirst()
            guard first.hasPrefix("-----BEGIN "), first.hasSuffix("-----"), first.count > 16 else { continue }
            let label = String(first.dropFirst(11).dropLast(5))
            var body = ""
            var closed = false
            while let line = lines.first {
                lines = lines.dropFirst()
                if line.hasPrefix("-----END ") {
                    guard line == "-----END \(label)-----" else {
                        throw CryptoError(.malformedInput, "PEM block \"\(label)\" is closed by a mismatched END line")
                    }
                    closed = true
                    break
                }
                if line.contains(":") {
                    throw CryptoError(
                        .malformedInput, "PEM block \"\(label)\" has encapsulated headers, which are not supported")
                }
                body += line
            }
            guard closed else {
                throw CryptoError(.malformedInput, "PEM block \"\(label)\" has no END line (truncated?)")
            }
            guard let der = Base64.decode(body), !der.isEmpty else {
                throw CryptoError(.malformedInput, "PEM block \"\(label)\" is not valid base64")
            }
            blocks.append(Block(label: label, der: der))
        }
        guard !blocks.isEmpty else {
            throw CryptoError(.malformedInput, "no PEM block found")
        }
        return blocks
    }

    /// Decodes the first PEM block and checks that its label is one of `labels`.
    public static func decode(_ text: String, expecting labels: Set<String>) throws -> [UInt8] {
        let block = try decodeAll(text)[0]
        guard labels.contains(block.label) else {
            let expected = labels.sorted().map { "\"\($0)\"" }.joined(separator: " or ")
            throw CryptoError(.malformedInput, "expected a PEM \(expected) block, found \"\(block.label)\"")
        }
        return block.der
    }

    /// True if `bytes` look like PEM text (optional whitespace, then `-----BEGIN`).
    static func looksLikePEM(_ bytes: [UInt8]) -> Bool {
        let prefix = Array("-----BEGIN".utf8)
        guard let start = bytes.firstIndex(where: { !($0 == 0x20 || $0 == 0x09 || $0 == 0x0A || $0 == 0x0D) }) else {
            return false
        }
        return bytes[start...].starts(with: prefix)
    }
}

/// Standard base64 over Foundation.
enum Base64 {
    static func encode(_ bytes: [UInt8]) -> String {
        Data(bytes).base64EncodedString()
    }

    static func decode(_ text: String) -> [UInt8]? {
        Data(base64Encoded: text).map { [UInt8]($0) }
    }
}
