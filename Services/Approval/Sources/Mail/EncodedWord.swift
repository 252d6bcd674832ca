import Foundation

/// RFC 2047 encoded-words (`=?utf-8?B?...?=`) for header text that is not plain ASCII.
enum EncodedWord {
    /// Each word stays at most 64 characters long, so `Subject: ` plus a word, or a folded
    /// line's space plus a word, fits in the 76 characters RFC 2047 allows for such lines.
    static let maximumWordLength = 64
    private static let prefix = "=?utf-8?B?"
    private static let suffix = "?="

    /// The words encoding `text`; each holds whole characters (code points), so every word
    /// decodes on its own. Join them with CRLF SP (folding) or a space: the white space between
    /// adjacent encoded-words is dropped when decoding.
    static func encode(_ text: String) -> [String] {
        // 48 base64 characters carry 36 bytes; 10 + 48 + 2 <= 64.
        let maximumBytes = (maximumWordLength - prefix.count - suffix.count) / 4 * 3
        var words: [String] = []
        var chunk: [UInt8] = []
        for scalar in text.unicodeScalars {
            let bytes = Array(String(scalar).utf8)
            if chunk.count + bytes.count > maximumBytes {
                words.append(word(chunk))
                chunk = []
            }
            chunk += bytes
        }
        if !chunk.isEmpty || words.isEmpty { words.append(word(chunk)) }
        return words
    }

    private static func word(_ bytes: [UInt8]) -> String {
        prefix + Data(bytes).base64EncodedString() + suffix
    }
}
