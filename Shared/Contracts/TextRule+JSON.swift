import Foundation

extension TextRule {
    /// What is wrong with a JSON body: it is not JSON, or one of its strings breaks the rule.
    public enum BodyProblem: Error, Sendable, Equatable {
        /// Not one JSON document (syntax, nesting beyond `maximumDepth`, duplicate member names).
        case malformed(String)
        case text(Violation)

        /// 400 `malformed-body`, or 422 `invalid-text` naming the field.
        public var problem: Problem {
            switch self {
            case .malformed(let reason): Problem.invalid("malformed-body", "body is not valid JSON: \(reason)")
            case .text(let violation): violation.problem
            }
        }
    }

    /// Parses `bytes` as one JSON document and holds every string in it to the rule. Whatever
    /// is wrong inside a string (invalid UTF-8, an unpaired surrogate, an unescaped control
    /// character) is a text violation at that string's path, like a refused character.
    public func check(json bytes: [UInt8]) throws(BodyProblem) -> JSONValue {
        let value: JSONValue
        do {
            value = try JSONValue.parse(bytes, maximumDepth: Self.maximumDepth)
        } catch {
            if error.isInString { throw .text(Violation(path: error.path, reason: error.reason)) }
            throw .malformed(error.reason)
        }
        if let violation = violation(in: value) { throw .text(violation) }
        return value
    }

    /// The first string of `value` that breaks the rule, member names included (members in
    /// order of their names, so the same body always names the same field).
    public func violation(in value: JSONValue) -> Violation? {
        var path = JSONPath()
        return violation(in: value, at: &path)
    }

    /// The rule applied to a value as it goes on the wire (a Kafka command's decoded payload,
    /// whose schema allows no members its type does not keep).
    public func violation(inEncoded value: some Encodable) throws -> Violation? {
        let bytes = Array(try ContractCoding.encoder().encode(value))
        do {
            return violation(in: try JSONValue.parse(bytes, maximumDepth: JSONSchema.maximumParseDepth))
        } catch {
            return Violation(path: error.path, reason: error.reason)
        }
    }

    private func violation(in value: JSONValue, at path: inout JSONPath) -> Violation? {
        switch value {
        case .string(let text):
            return violation(of: text, at: path)
        case .array(let elements):
            for (index, element) in elements.enumerated() {
                path.components.append(.index(index))
                defer { path.components.removeLast() }
                if let found = violation(in: element, at: &path) { return found }
            }
        case .object(let members):
            for (name, member) in members.sorted(by: { $0.key < $1.key }) {
                if let found = TextRule(maximumBytes: maximumBytes).violation(of: name, at: path) {
                    return Violation(path: path, reason: "a member name \(found.reason)")
                }
                path.components.append(.member(name))
                defer { path.components.removeLast() }
                if let found = violation(in: member, at: &path) { return found }
            }
        case .null, .bool, .number:
            break
        }
        return nil
    }
}
