import Foundation

/// A compiled JSON Schema (the draft 2020-12 subset CLM's event schemas use).
///
/// Supported keywords: `type` (a name or a list of names; `integer` is a number without a
/// fraction), `properties`, `required`, `additionalProperties` (boolean or schema), `items`,
/// `enum`, `const`, `minLength`, `maxLength`, `minimum`, `maximum`, `minItems`, `maxItems`,
/// `pattern` (unanchored search, like ECMA 262), `format` (`uuid`, `date-time`; other
/// formats are annotations only), `$ref` to `#/$defs/<name>` and `$defs` at the root.
/// Every other keyword (`$schema`, `$id`, `title`, `description`…) is ignored.
///
/// A schema is immutable once compiled and safe to share between tasks.
public struct JSONSchema: Sendable {
    /// One way an instance fails the schema.
    public struct Violation: Sendable, Hashable, CustomStringConvertible {
        /// JSON pointer to the offending value (`/data/approval/mode`); `""` is the whole document.
        /// For a missing required property it points at where the property should be.
        public var path: String
        public var reason: String

        public init(path: String, reason: String) {
            self.path = path
            self.reason = reason
        }

        public var description: String { "\(path.isEmpty ? "/" : path): \(reason)" }
    }

    /// Why a schema could not be compiled, or an instance could not be read.
    public enum Error: Swift.Error, Sendable, Equatable, CustomStringConvertible {
        /// The bytes are not JSON.
        case invalidJSON(String)
        /// The schema is JSON but uses a keyword wrongly; `path` points into the schema.
        case invalidSchema(path: String, reason: String)

        public var description: String {
            switch self {
            case .invalidJSON(let reason): "not valid JSON: \(reason)"
            case .invalidSchema(let path, let reason): "invalid schema at '\(path)': \(reason)"
            }
        }
    }

    let root: Node
    let definitions: [String: Node]

    /// Compiles a schema from its JSON text.
    public init(json bytes: [UInt8]) throws(JSONSchema.Error) {
        try self.init(value: try Value.parse(bytes))
    }

    /// Compiles a schema from an already parsed JSON value.
    public init(value: Value) throws(JSONSchema.Error) {
        var definitions: [String: Node] = [:]
        var references: [(name: String, path: String)] = []
        if case .object(let members) = value, let defs = members["$defs"] {
            guard case .object(let entries) = defs else {
                throw .invalidSchema(path: "/$defs", reason: "must be an object")
            }
            for (name, definition) in entries {
                definitions[name] = try Node.compile(
                    definition, path: "/$defs/" + JSONSchema.escape(name), references: &references)
            }
        }
        self.root = try Node.compile(value, path: "", references: &references)
        for reference in references where definitions[reference.name] == nil {
            throw .invalidSchema(path: reference.path, reason: "unresolved reference to '#/$defs/\(reference.name)'")
        }
        self.definitions = definitions
    }

    /// Parses `bytes` as JSON and validates it.
    public func validate(_ bytes: [UInt8]) throws(JSONSchema.Error) -> [Violation] {
        validate(try Value.parse(bytes))
    }

    /// Validates an already parsed JSON value; an empty result means it conforms.
    public func validate(_ value: Value) -> [Violation] {
        var violations: [Violation] = []
        check(value, against: root, path: "", depth: 0, into: &violations)
        return violations
    }

    /// Escapes a property name as a JSON-pointer reference token (RFC 6901).
    static func escape(_ token: String) -> String {
        guard token.contains("~") || token.contains("/") else { return token }
        return token.replacingOccurrences(of: "~", with: "~0").replacingOccurrences(of: "/", with: "~1")
    }
}

// MARK: - JSON values

extension JSONSchema {
    /// Schemas and instances are `JSONValue`s, parsed strictly (duplicate member names and
    /// nesting beyond `maximumParseDepth` are refused).
    public typealias Value = JSONValue

    /// How deep a document may nest to be parsed at all; validation stops earlier, at
    /// `maximumDepth`, with a violation instead of an error.
    public static let maximumParseDepth = 512

    /// The instance types `type` can name.
    enum TypeName: String, Sendable, CaseIterable {
        case null, boolean, integer, number, string, array, object
    }
}

extension JSONValue {
    /// Parses JSON text for a schema or an instance (any value is allowed at the top).
    public static func parse(_ bytes: [UInt8]) throws(JSONSchema.Error) -> JSONValue {
        do {
            return try parse(bytes, maximumDepth: JSONSchema.maximumParseDepth)
        } catch {
            throw .invalidJSON(error.reason)
        }
    }

    /// The JSON Schema type names this value has (`integer` values are also `number`s).
    func hasType(_ type: JSONSchema.TypeName) -> Bool {
        switch (self, type) {
        case (.null, .null), (.bool, .boolean), (.string, .string), (.array, .array), (.object, .object),
            (.number, .number):
            true
        case (.number(let number), .integer):
            number.isFinite && number.rounded(.towardZero) == number
        default:
            false
        }
    }

    var typeName: String {
        switch self {
        case .null: "null"
        case .bool: "boolean"
        case .number(let number): JSONValue.number(number).hasType(.integer) ? "integer" : "number"
        case .string: "string"
        case .array: "array"
        case .object: "object"
        }
    }

    /// A short rendering for violation messages.
    var brief: String {
        switch self {
        case .null: return "null"
        case .bool(let value): return String(value)
        case .number(let number):
            if hasType(.integer), abs(number) < 1e15 { return String(Int64(number)) }
            return String(number)
        case .string(let string):
            let shown = string.count > 40 ? String(string.prefix(40)) + "…" : string
            return "\"\(shown)\""
        case .array: return "an array"
        case .object: return "an object"
        }
    }
}

// MARK: - Compiled schema nodes

extension JSONSchema {
    /// `format` values that are checked; others are annotations only.
    enum Format: String, Sendable {
        case uuid
        case dateTime = "date-time"
    }

    /// A compiled regular expression. `NSRegularExpression` is immutable and documented as
    /// safe to use from several threads.
    struct Pattern: @unchecked Sendable {
        let source: String
        let expression: NSRegularExpression

        func matches(_ string: String) -> Bool {
            expression.firstMatch(in: string, range: NSRange(string.startIndex..., in: string)) != nil
        }
    }

    /// One compiled (sub)schema. A class so nodes can nest without copying.
    final class Node: Sendable {
        /// `false` schema: nothing validates.
        let rejectsEverything: Bool
        let types: [TypeName]?
        let properties: [(name: String, schema: Node)]
        let required: [String]
        /// nil: any extra property is fine; otherwise extra properties must match this node.
        let additionalProperties: Node?
        let items: Node?
        let enumeration: [Value]?
        let constant: Value?
        let minLength: Int?
        let maxLength: Int?
        let minimum: Double?
        let maximum: Double?
        let minItems: Int?
        let maxItems: Int?
        let pattern: Pattern?
        let format: Format?
        let reference: String?
        let propertyNames: Set<String>

        private init(
            rejectsEverything: Bool = false, types: [TypeName]? = nil, properties: [(name: String, schema: Node)] = [],
            required: [String] = [], additionalProperties: Node? = nil, items: Node? = nil,
            enumeration: [Value]? = nil, constant: Value? = nil, minLength: Int? = nil, maxLength: Int? = nil,
            minimum: Double? = nil, maximum: Double? = nil, minItems: Int? = nil, maxItems: Int? = nil,
            pattern: Pattern? = nil, format: Format? = nil, reference: String? = nil
        ) {
            self.rejectsEverything = rejectsEverything
            self.types = types
            self.properties = properties
            self.required = required
            self.additionalProperties = additionalProperties
            self.items = items
            self.enumeration = enumeration
            self.constant = constant
            self.minLength = minLength
            self.maxLength = maxLength
            self.minimum = minimum
            self.maximum = maximum
            self.minItems = minItems
            self.maxItems = maxItems
            self.pattern = pattern
            self.format = format
            self.reference = reference
            self.propertyNames = Set(properties.map(\.name))
        }

        static let acceptAll = Node()
        static let rejectAll = Node(rejectsEverything: true)

        static func compile(
            _ value: Value, path: String, references: inout [(name: String, path: String)]
        ) throws(JSONSchema.Error) -> Node {
            let members: [String: Value]
            switch value {
            case .bool(let accept): return accept ? acceptAll : rejectAll
            case .object(let object): members = object
            default: throw .invalidSchema(path: path, reason: "a schema must be an object or a boolean")
            }

            func invalid(_ keyword: String, _ reason: String) -> JSONSchema.Error {
                .invalidSchema(path: path + "/" + keyword, reason: reason)
            }
            func count(_ keyword: String) throws(JSONSchema.Error) -> Int? {
                guard let value = members[keyword] else { return nil }
                guard case .number(let number) = value, value.hasType(.integer), number >= 0, number < 1e15 else {
                    throw invalid(keyword, "must be a non-negative integer")
                }
                return Int(number)
            }
            func bound(_ keyword: String) throws(JSONSchema.Error) -> Double? {
                guard let value = members[keyword] else { return nil }
                guard case .number(let number) = value else { throw invalid(keyword, "must be a number") }
                return number
            }

            var types: [TypeName]?
            switch members["type"] {
            case nil: break
            case .string(let name)?:
                guard let type = TypeName(rawValue: name) else { throw invalid("type", "unknown type '\(name)'") }
                types = [type]
            case .array(let names)?:
                var list: [TypeName] = []
                for name in names {
                    guard case .string(let text) = name, let type = TypeName(rawValue: text) else {
                        throw invalid("type", "unknown type \(name.brief)")
                    }
                    list.append(type)
                }
                types = list
            default: throw invalid("type", "must be a type name or a list of type names")
            }

            var properties: [(name: String, schema: Node)] = []
            if let value = members["properties"] {
                guard case .object(let entries) = value else { throw invalid("properties", "must be an object") }
                for name in entries.keys.sorted() {
                    let schema = try compile(
                        entries[name]!, path: path + "/properties/" + JSONSchema.escape(name), references: &references)
                    properties.append((name, schema))
                }
            }

            var required: [String] = []
            if let value = members["required"] {
                guard case .array(let names) = value else { throw invalid("required", "must be an array of strings") }
                for name in names {
                    guard case .string(let text) = name else { throw invalid("required", "must be an array of strings") }
                    if !required.contains(text) { required.append(text) }
                }
            }

            var additionalProperties: Node?
            if let value = members["additionalProperties"] {
                let node = try compile(value, path: path + "/additionalProperties", references: &references)
                additionalProperties = node === acceptAll ? nil : node
            }

            var items: Node?
            if let value = members["items"] {
                items = try compile(value, path: path + "/items", references: &references)
            }

            var enumeration: [Value]?
            if let value = members["enum"] {
                guard case .array(let values) = value else { throw invalid("enum", "must be an array") }
                enumeration = values
            }

            var pattern: Pattern?
            if let value = members["pattern"] {
                guard case .string(let source) = value else { throw invalid("pattern", "must be a string") }
                do {
                    pattern = Pattern(source: source, expression: try NSRegularExpression(pattern: source))
                } catch {
                    throw invalid("pattern", "not a valid regular expression")
                }
            }

            var format: Format?
            if let value = members["format"] {
                guard case .string(let name) = value else { throw invalid("format", "must be a string") }
                format = Format(rawValue: name)
            }

            var reference: String?
            if let value = members["$ref"] {
                let prefix = "#/$defs/"
                guard case .string(let target) = value, target.hasPrefix(prefix), target.count > prefix.count else {
                    throw invalid("$ref", "only references of the form '#/$defs/<name>' are supported")
                }
                let name = String(target.dropFirst(prefix.count))
                    .replacingOccurrences(of: "~1", with: "/").replacingOccurrences(of: "~0", with: "~")
                references.append((name, path + "/$ref"))
                reference = name
            }

            return Node(
                types: types, properties: properties, required: required, additionalProperties: additionalProperties,
                items: items, enumeration: enumeration, constant: members["const"],
                minLength: try count("minLength"), maxLength: try count("maxLength"),
                minimum: try bound("minimum"), maximum: try bound("maximum"),
                minItems: try count("minItems"), maxItems: try count("maxItems"),
                pattern: pattern, format: format, reference: reference)
        }
    }
}

// MARK: - Validation

extension JSONSchema {
    /// How deep `$ref`s and nesting may go before the instance is refused (guards against a
    /// self-referencing definition looping forever).
    static let maximumDepth = 256

    func check(_ value: Value, against node: Node, path: String, depth: Int, into violations: inout [Violation]) {
        guard depth <= JSONSchema.maximumDepth else {
            violations.append(Violation(path: path, reason: "nested too deeply"))
            return
        }
        if node.rejectsEverything {
            violations.append(Violation(path: path, reason: "no value is allowed here"))
            return
        }
        if let name = node.reference, let target = definitions[name] {
            check(value, against: target, path: path, depth: depth + 1, into: &violations)
        }
        if let types = node.types, !types.contains(where: value.hasType) {
            let expected = types.map(\.rawValue).joined(separator: " or ")
            violations.append(Violation(path: path, reason: "expected \(expected), got \(value.typeName)"))
            // The remaining keywords describe a value of the right type: their findings would
            // only repeat this one.
            return
        }
        if let constant = node.constant, !JSONSchema.equal(value, constant) {
            violations.append(Violation(path: path, reason: "must be \(constant.brief), got \(value.brief)"))
        }
        if let enumeration = node.enumeration, !enumeration.contains(where: { JSONSchema.equal(value, $0) }) {
            let allowed = enumeration.map(\.brief).joined(separator: ", ")
            violations.append(Violation(path: path, reason: "\(value.brief) is not one of \(allowed)"))
        }

        switch value {
        case .string(let string):
            checkString(string, node: node, path: path, into: &violations)
        case .number(let number):
            if let minimum = node.minimum, !(number >= minimum) {
                violations.append(Violation(path: path, reason: "\(value.brief) is less than the minimum \(Value.number(minimum).brief)"))
            }
            if let maximum = node.maximum, !(number <= maximum) {
                violations.append(Violation(path: path, reason: "\(value.brief) is greater than the maximum \(Value.number(maximum).brief)"))
            }
        case .array(let elements):
            if let minItems = node.minItems, elements.count < minItems {
                violations.append(Violation(path: path, reason: "has \(elements.count) items, at least \(minItems) required"))
            }
            if let maxItems = node.maxItems, elements.count > maxItems {
                violations.append(Violation(path: path, reason: "has \(elements.count) items, at most \(maxItems) allowed"))
            }
            if let items = node.items {
                for (index, element) in elements.enumerated() {
                    check(element, against: items, path: path + "/" + String(index), depth: depth + 1, into: &violations)
                }
            }
        case .object(let members):
            checkObject(members, node: node, path: path, depth: depth, into: &violations)
        case .null, .bool:
            break
        }
    }

    private func checkString(_ string: String, node: Node, path: String, into violations: inout [Violation]) {
        if node.minLength != nil || node.maxLength != nil {
            // JSON Schema counts characters as Unicode code points.
            let length = string.unicodeScalars.count
            if let minLength = node.minLength, length < minLength {
                violations.append(Violation(path: path, reason: "is \(length) characters long, at least \(minLength) required"))
            }
            if let maxLength = node.maxLength, length > maxLength {
                violations.append(Violation(path: path, reason: "is \(length) characters long, at most \(maxLength) allowed"))
            }
        }
        if let pattern = node.pattern, !pattern.matches(string) {
            violations.append(Violation(path: path, reason: "\(Value.string(string).brief) does not match \(pattern.source)"))
        }
        switch node.format {
        case .uuid?:
            if !JSONSchema.isUUID(string) {
                violations.append(Violation(path: path, reason: "\(Value.string(string).brief) is not a UUID"))
            }
        case .dateTime?:
            if !JSONSchema.isDateTime(string) {
                violations.append(Violation(path: path, reason: "\(Value.string(string).brief) is not an RFC 3339 date-time"))
            }
        case nil:
            break
        }
    }

    private func checkObject(
        _ members: [String: Value], node: Node, path: String, depth: Int, into violations: inout [Violation]
    ) {
        for name in node.required where members[name] == nil {
            violations.append(Violation(path: path + "/" + JSONSchema.escape(name), reason: "required property is missing"))
        }
        for (name, schema) in node.properties {
            if let member = members[name] {
                check(member, against: schema, path: path + "/" + JSONSchema.escape(name), depth: depth + 1, into: &violations)
            }
        }
        guard let additional = node.additionalProperties else { return }
        for name in members.keys.sorted() where !node.propertyNames.contains(name) {
            let memberPath = path + "/" + JSONSchema.escape(name)
            if additional.rejectsEverything {
                violations.append(Violation(path: memberPath, reason: "unexpected property"))
            } else {
                check(members[name]!, against: additional, path: memberPath, depth: depth + 1, into: &violations)
            }
        }
    }

    /// JSON equality: numbers compare by value (so `1` equals `1.0`), objects ignore key order.
    static func equal(_ lhs: Value, _ rhs: Value) -> Bool {
        lhs == rhs
    }
}

// MARK: - Formats

extension JSONSchema {
    /// `8-4-4-4-12` hexadecimal digits, either case (Foundation writes UUIDs in upper case).
    static func isUUID(_ string: String) -> Bool {
        let utf8 = string.utf8
        guard utf8.count == 36 else { return false }
        for (offset, byte) in utf8.enumerated() {
            switch offset {
            case 8, 13, 18, 23:
                guard byte == UInt8(ascii: "-") else { return false }
            default:
                guard isHexDigit(byte) else { return false }
            }
        }
        return true
    }

    private static func isHexDigit(_ byte: UInt8) -> Bool {
        (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x46) || (byte >= 0x61 && byte <= 0x66)
    }

    /// RFC 3339 `date-time`: `YYYY-MM-DDTHH:MM:SS[.frac](Z|±HH:MM)`, with field ranges checked
    /// (day against the month's length, leap second allowed).
    static func isDateTime(_ string: String) -> Bool {
        let bytes = Array(string.utf8)
        var index = 0

        func digits(_ count: Int) -> Int? {
            guard index + count <= bytes.count else { return nil }
            var number = 0
            for offset in 0..<count {
                let byte = bytes[index + offset]
                guard byte >= 0x30, byte <= 0x39 else { return nil }
                number = number * 10 + Int(byte - 0x30)
            }
            index += count
            return number
        }
        func literal(_ accepted: Set<UInt8>) -> Bool {
            guard index < bytes.count, accepted.contains(bytes[index]) else { return false }
            index += 1
            return true
        }
        let dash: Set<UInt8> = [UInt8(ascii: "-")]
        let colon: Set<UInt8> = [UInt8(ascii: ":")]

        guard let year = digits(4), literal(dash), let month = digits(2), literal(dash), let day = digits(2),
            literal([UInt8(ascii: "T"), UInt8(ascii: "t")]),
            let hour = digits(2), literal(colon), let minute = digits(2), literal(colon), let second = digits(2)
        else { return false }
        guard (1...12).contains(month), hour <= 23, minute <= 59, second <= 60 else { return false }
        let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
        let monthDays = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
        guard day >= 1, day <= monthDays[month - 1] else { return false }

        if literal([UInt8(ascii: ".")]) {
            let start = index
            while index < bytes.count, bytes[index] >= 0x30, bytes[index] <= 0x39 { index += 1 }
            guard index > start else { return false }
        }
        if literal([UInt8(ascii: "Z"), UInt8(ascii: "z")]) {
            return index == bytes.count
        }
        guard literal([UInt8(ascii: "+"), UInt8(ascii: "-")]), let offsetHour = digits(2), literal(colon),
            let offsetMinute = digits(2)
        else { return false }
        return offsetHour <= 23 && offsetMinute <= 59 && index == bytes.count
    }
}
