import Foundation

/// A parsed JSON value: the one JSON model of CLM, for tokens, key sets, JSON Schemas and the
/// documents they validate.
///
/// Documents from outside are parsed with this small strict parser instead of
/// `JSONSerialization` so that the rules that matter for security are ours: a nesting limit, rejection of duplicate
/// member names (RFC 7515 §4 allows rejecting them; accepting "the last one" invites confusion
/// between parsers), strict UTF-8 and no lenient extensions. Numbers are held as `Double`,
/// which is exact for every NumericDate a token can carry.
public enum JSONValue: Sendable, Hashable {
    case null
    case bool(Bool)
    case number(Double)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    /// Why a document was not accepted (for the caller to wrap; never contains the input).
    public struct ParseError: Error, Sendable {
        public let reason: String
        /// Whether the failure lies in a string's contents (invalid UTF-8, an unpaired surrogate,
        /// an unescaped control character) rather than in the document's structure.
        public internal(set) var isInString = false
        /// Where it failed: the member names and array indices leading to the value, outermost
        /// first (a member name that fails names its object).
        public internal(set) var path = JSONPath()
    }

    /// Parses one JSON document (RFC 8259) with at most `maximumDepth` nested arrays/objects.
    public static func parse(_ bytes: [UInt8], maximumDepth: Int) throws(ParseError) -> JSONValue {
        var parser = Parser(bytes: bytes, maximumDepth: maximumDepth)
        parser.skipWhitespace()
        let value = try parser.parseValue(depth: 0)
        parser.skipWhitespace()
        guard parser.position == bytes.count else {
            throw ParseError(reason: "trailing characters after the JSON value")
        }
        return value
    }

    public var stringValue: String? {
        if case .string(let value) = self { return value }
        return nil
    }

    public var numberValue: Double? {
        if case .number(let value) = self { return value }
        return nil
    }

    public var objectValue: [String: JSONValue]? {
        if case .object(let value) = self { return value }
        return nil
    }

    public var arrayValue: [JSONValue]? {
        if case .array(let value) = self { return value }
        return nil
    }

    // MARK: Serialisation

    /// Compact JSON with object members sorted by name (deterministic output, as RFC 7638
    /// thumbprints require).
    public var serialized: [UInt8] {
        var out: [UInt8] = []
        write(to: &out)
        return out
    }

    private func write(to out: inout [UInt8]) {
        switch self {
        case .null: out += Array("null".utf8)
        case .bool(let value): out += Array((value ? "true" : "false").utf8)
        case .number(let value): out += Array(Self.format(value).utf8)
        case .string(let value): Self.writeString(value, to: &out)
        case .array(let elements):
            out.append(UInt8(ascii: "["))
            for (index, element) in elements.enumerated() {
                if index > 0 { out.append(UInt8(ascii: ",")) }
                element.write(to: &out)
            }
            out.append(UInt8(ascii: "]"))
        case .object(let members):
            out.append(UInt8(ascii: "{"))
            // Sorted by UTF-8 bytes, not by `String` ordering, so the order is the same on
            // every platform.
            for (index, name) in members.keys.sorted(by: { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) })
                .enumerated()
            {
                if index > 0 { out.append(UInt8(ascii: ",")) }
                Self.writeString(name, to: &out)
                out.append(UInt8(ascii: ":"))
                members[name]?.write(to: &out)
            }
            out.append(UInt8(ascii: "}"))
        }
    }

    private static func format(_ value: Double) -> String {
        guard value.isFinite else { return "null" }
        // Integers (NumericDates, counts) print without a fraction or exponent.
        if value == value.rounded(), abs(value) < 9_007_199_254_740_992 { return String(Int64(value)) }
        return "\(value)"
    }

    private static func writeString(_ value: String, to out: inout [UInt8]) {
        let hex = Array("0123456789abcdef".utf8)
        out.append(UInt8(ascii: "\""))
        for byte in value.utf8 {
            switch byte {
            case UInt8(ascii: "\""): out += [UInt8(ascii: "\\"), UInt8(ascii: "\"")]
            case UInt8(ascii: "\\"): out += [UInt8(ascii: "\\"), UInt8(ascii: "\\")]
            case 0x0A: out += [UInt8(ascii: "\\"), UInt8(ascii: "n")]
            case 0x0D: out += [UInt8(ascii: "\\"), UInt8(ascii: "r")]
            case 0x09: out += [UInt8(ascii: "\\"), UInt8(ascii: "t")]
            case 0x00..<0x20:
                out += Array("\\u00".utf8) + [hex[Int(byte >> 4)], hex[Int(byte & 0x0F)]]
            default: out.append(byte)
            }
        }
        out.append(UInt8(ascii: "\""))
    }
}

extension JSONValue {
    /// Converts Swift values (`String`, `Bool`, integers, `Double`, `Date` as NumericDate,
    /// arrays, `Set<String>` sorted, `[String: Any]`, `NSNull`, `JSONValue`) for the signer.
    public init(any value: Any) throws(ParseError) {
        switch value {
        case let value as JSONValue: self = value
        case let value as String: self = .string(value)
        case let value as Bool: self = .bool(value)
        case let value as Int: self = .number(Double(value))
        case let value as Int64: self = .number(Double(value))
        case let value as UInt: self = .number(Double(value))
        case let value as Double: self = .number(value)
        case let value as Date: self = .number(value.timeIntervalSince1970.rounded(.down))
        case let value as Set<String>: self = .array(value.sorted().map { .string($0) })
        case let value as [Any]:
            var elements: [JSONValue] = []
            for element in value { elements.append(try JSONValue(any: element)) }
            self = .array(elements)
        case let value as [String: Any]:
            var members: [String: JSONValue] = [:]
            for (name, member) in value { members[name] = try JSONValue(any: member) }
            self = .object(members)
        case is NSNull: self = .null
        default: throw ParseError(reason: "a value of type \(type(of: value)) cannot be written as JSON")
        }
    }
}
