import Foundation

/// The one rule for text that CLM accepts from outside (decision 0021), the same for every
/// string of every JSON body, object member names included, every query parameter and every
/// Kafka command: valid UTF-8; no control character (Unicode category Cc: U+0000–U+001F,
/// U+007F–U+009F) except tab, line feed and carriage return; no noncharacter (U+FDD0–U+FDEF,
/// and U+FFFE/U+FFFF of every plane); at most `maximumBytes` bytes of UTF-8, or the larger
/// limit `longer` gives the innermost member name. Lone surrogates cannot occur: a `\uD800`
/// escape without its pair, like any invalid UTF-8, already fails the parse (`JSONValue`).
///
/// It holds what PostgreSQL refuses (`\u0000` in text and jsonb, SQLSTATE 22P05) and what
/// has no business in a name or a comment away from the database. Fields keep their own,
/// stricter rules on top (identifiers, domain names, lengths in characters).
public struct TextRule: Sendable, Equatable {
    /// Longest string, in bytes of UTF-8, unless `longer` names its member.
    public var maximumBytes: Int
    /// Larger limits by member name (an array's elements count under the array's name).
    public var longer: [String: Int]

    public init(maximumBytes: Int = 4096, longer: [String: Int] = [:]) {
        self.maximumBytes = maximumBytes
        self.longer = longer
    }

    /// The rule of every body, query parameter and command: strings of at most 4 KiB, except
    /// a PEM CSR (`csr`, 64 KiB) and a command's bearer token (`token`, 16 KiB).
    public static let standard = TextRule(longer: ["csr": 64 * 1024, "token": 16 * 1024])

    /// How deep a body may nest (arrays and objects) before it is refused as malformed.
    public static let maximumDepth = 64

    /// One string that breaks the rule: where, and why in words (never the string itself).
    public struct Violation: Error, Sendable, Equatable, CustomStringConvertible {
        public var path: JSONPath
        public var reason: String

        public init(path: JSONPath, reason: String) {
            self.path = path
            self.reason = reason
        }

        public var description: String { "\(path): \(reason)" }

        /// The refusal as the API and the command results report it: 422 `invalid-text`.
        public var problem: Problem {
            Problem.refused("invalid-text", description, violations: [description])
        }
    }

    /// Why `scalar` may not appear in text, or nil when it may.
    public static func refusal(of scalar: Unicode.Scalar) -> String? {
        switch scalar.value {
        case 0x09, 0x0A, 0x0D: nil
        case 0x00...0x1F, 0x7F...0x9F: "a control character"
        case 0xFDD0...0xFDEF: "a noncharacter"
        case let value where value & 0xFFFE == 0xFFFE: "a noncharacter"
        default: nil
        }
    }

    /// Why `text`, found at `path`, breaks the rule; nil when it keeps it.
    public func violation(of text: String, at path: JSONPath) -> Violation? {
        let limit = path.memberName.flatMap { longer[$0] } ?? maximumBytes
        let length = text.utf8.count
        if length > limit {
            return Violation(path: path, reason: "is \(length) bytes long (UTF-8), at most \(limit) allowed")
        }
        for (offset, scalar) in text.unicodeScalars.enumerated() {
            if let kind = Self.refusal(of: scalar) {
                return Violation(
                    path: path,
                    reason: "contains \(scalar.codePoint) (\(kind)) at character \(offset + 1): text holds no "
                        + "control characters but tab, line feed and carriage return, and no noncharacters")
            }
        }
        return nil
    }
}

extension Unicode.Scalar {
    /// `U+0000`, `U+1F600`: how refusals name a character.
    var codePoint: String {
        let hex = String(value, radix: 16, uppercase: true)
        return "U+" + String(repeating: "0", count: max(0, 4 - hex.count)) + hex
    }
}
