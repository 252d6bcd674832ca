import Foundation

extension JSONSchema.Node {
    /// Compiles one schema object (or boolean schema) at `path`, collecting `$ref`s to check
    /// once the whole document is compiled.
    static func compile(
        _ value: JSONSchema.Value, path: String, references: inout [(name: String, path: String)]
    ) throws(JSONSchema.Error) -> JSONSchema.Node {
        let keywords: Keywords
        switch value {
        case .bool(let accept): return accept ? acceptAll : rejectAll
        case .object(let object): keywords = Keywords(members: object, path: path)
        default: throw .invalidSchema(path: path, reason: "a schema must be an object or a boolean")
        }
        var additionalProperties: JSONSchema.Node?
        if let value = keywords.members["additionalProperties"] {
            let node = try compile(value, path: path + "/additionalProperties", references: &references)
            additionalProperties = node === acceptAll ? nil : node
        }
        let items = try keywords.members["items"].map { value throws(JSONSchema.Error) in
            try compile(value, path: path + "/items", references: &references)
        }
        return JSONSchema.Node(
            types: try keywords.types(), properties: try keywords.properties(references: &references),
            required: try keywords.required(), additionalProperties: additionalProperties, items: items,
            enumeration: try keywords.enumeration(), constant: keywords.members["const"],
            minLength: try keywords.count("minLength"), maxLength: try keywords.count("maxLength"),
            minimum: try keywords.bound("minimum"), maximum: try keywords.bound("maximum"),
            minItems: try keywords.count("minItems"), maxItems: try keywords.count("maxItems"),
            pattern: try keywords.pattern(), format: try keywords.format(),
            reference: try keywords.reference(references: &references))
    }

    /// The keywords of one schema object, each read and checked on its own.
    struct Keywords {
        let members: [String: JSONSchema.Value]
        let path: String

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

        func types() throws(JSONSchema.Error) -> [JSONSchema.TypeName]? {
            switch members["type"] {
            case nil: return nil
            case .string(let name)?:
                guard let type = JSONSchema.TypeName(rawValue: name) else {
                    throw invalid("type", "unknown type '\(name)'")
                }
                return [type]
            case .array(let names)?:
                var list: [JSONSchema.TypeName] = []
                for name in names {
                    guard case .string(let text) = name, let type = JSONSchema.TypeName(rawValue: text) else {
                        throw invalid("type", "unknown type \(name.brief)")
                    }
                    list.append(type)
                }
                return list
            default: throw invalid("type", "must be a type name or a list of type names")
            }
        }

        func properties(references: inout [(name: String, path: String)]) throws(JSONSchema.Error)
            -> [(name: String, schema: JSONSchema.Node)]
        {
            guard let value = members["properties"] else { return [] }
            guard case .object(let entries) = value else { throw invalid("properties", "must be an object") }
            var properties: [(name: String, schema: JSONSchema.Node)] = []
            for name in entries.keys.sorted() {
                let schema = try compile(
                    entries[name]!, path: path + "/properties/" + JSONSchema.escape(name), references: &references)
                properties.append((name, schema))
            }
            return properties
        }

        func required() throws(JSONSchema.Error) -> [String] {
            guard let value = members["required"] else { return [] }
            guard case .array(let names) = value else { throw invalid("required", "must be an array of strings") }
            var required: [String] = []
            for name in names {
                guard case .string(let text) = name else { throw invalid("required", "must be an array of strings") }
                if !required.contains(text) { required.append(text) }
            }
            return required
        }

        func enumeration() throws(JSONSchema.Error) -> [JSONSchema.Value]? {
            guard let value = members["enum"] else { return nil }
            guard case .array(let values) = value else { throw invalid("enum", "must be an array") }
            return values
        }

        func pattern() throws(JSONSchema.Error) -> JSONSchema.Pattern? {
            guard let value = members["pattern"] else { return nil }
            guard case .string(let source) = value else { throw invalid("pattern", "must be a string") }
            do {
                return JSONSchema.Pattern(source: source, expression: try NSRegularExpression(pattern: source))
            } catch {
                throw invalid("pattern", "not a valid regular expression")
            }
        }

        func format() throws(JSONSchema.Error) -> JSONSchema.Format? {
            guard let value = members["format"] else { return nil }
            guard case .string(let name) = value else { throw invalid("format", "must be a string") }
            return JSONSchema.Format(rawValue: name)
        }

        func reference(references: inout [(name: String, path: String)]) throws(JSONSchema.Error) -> String? {
            guard let value = members["$ref"] else { return nil }
            let prefix = "#/$defs/"
            guard case .string(let target) = value, target.hasPrefix(prefix), target.count > prefix.count else {
                throw invalid("$ref", "only references of the form '#/$defs/<name>' are supported")
            }
            let name = String(target.dropFirst(prefix.count))
                .replacingOccurrences(of: "~1", with: "/").replacingOccurrences(of: "~0", with: "~")
            references.append((name, path + "/$ref"))
            return name
        }
    }
}
