import Foundation

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
