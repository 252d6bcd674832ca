import Foundation

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
