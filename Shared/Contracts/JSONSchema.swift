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
