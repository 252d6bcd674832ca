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

        init(
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
    }
}
