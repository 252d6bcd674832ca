import Foundation

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
            checkNumber(number, node: node, path: path, into: &violations)
        case .array(let elements):
            checkArray(elements, node: node, path: path, depth: depth, into: &violations)
        case .object(let members):
            checkObject(members, node: node, path: path, depth: depth, into: &violations)
        case .null, .bool:
            break
        }
    }

    private func checkNumber(_ number: Double, node: Node, path: String, into violations: inout [Violation]) {
        let value = Value.number(number)
        if let minimum = node.minimum, !(number >= minimum) {
            violations.append(
                Violation(path: path, reason: "\(value.brief) is less than the minimum \(Value.number(minimum).brief)"))
        }
        if let maximum = node.maximum, !(number <= maximum) {
            violations.append(
                Violation(
                    path: path, reason: "\(value.brief) is greater than the maximum \(Value.number(maximum).brief)"))
        }
    }

    private func checkArray(
        _ elements: [Value], node: Node, path: String, depth: Int, into violations: inout [Violation]
    ) {
        if let minItems = node.minItems, elements.count < minItems {
            violations.append(
                Violation(path: path, reason: "has \(elements.count) items, at least \(minItems) required"))
        }
        if let maxItems = node.maxItems, elements.count > maxItems {
            violations.append(Violation(path: path, reason: "has \(elements.count) items, at most \(maxItems) allowed"))
        }
        if let items = node.items {
            for (index, element) in elements.enumerated() {
                check(element, against: items, path: path + "/" + String(index), depth: depth + 1, into: &violations)
            }
        }
    }

    private func checkString(_ string: String, node: Node, path: String, into violations: inout [Violation]) {
        if node.minLength != nil || node.maxLength != nil {
            // JSON Schema counts characters as Unicode code points.
            let length = string.unicodeScalars.count
            if let minLength = node.minLength, length < minLength {
                violations.append(
                    Violation(path: path, reason: "is \(length) characters long, at least \(minLength) required"))
            }
            if let maxLength = node.maxLength, length > maxLength {
                violations.append(
                    Violation(path: path, reason: "is \(length) characters long, at most \(maxLength) allowed"))
            }
        }
        if let pattern = node.pattern, !pattern.matches(string) {
            violations.append(
                Violation(path: path, reason: "\(Value.string(string).brief) does not match \(pattern.source)"))
        }
        switch node.format {
        case .uuid?:
            if !JSONSchema.isUUID(string) {
                violations.append(Violation(path: path, reason: "\(Value.string(string).brief) is not a UUID"))
            }
        case .dateTime?:
            if !JSONSchema.isDateTime(string) {
                violations.append(
                    Violation(path: path, reason: "\(Value.string(string).brief) is not an RFC 3339 date-time"))
            }
        case nil:
            break
        }
    }

    private func checkObject(
        _ members: [String: Value], node: Node, path: String, depth: Int, into violations: inout [Violation]
    ) {
        for name in node.required where members[name] == nil {
            violations.append(
                Violation(path: path + "/" + JSONSchema.escape(name), reason: "required property is missing"))
        }
        for (name, schema) in node.properties {
            if let member = members[name] {
                check(
                    member, against: schema, path: path + "/" + JSONSchema.escape(name), depth: depth + 1,
                    into: &violations)
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
