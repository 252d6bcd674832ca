import Foundation

extension PolicyDocument {
    /// Checks an uploaded policy document, as raw JSON, against the published schema before it
    /// is decoded: unknown fields (a typo like `maxDay`) are refused instead of silently
    /// ignored, and each problem names its path (`/validity/maxDay`).
    public static func schemaProblems(_ body: [UInt8]) -> [String] {
        let document: JSONSchema.Value
        do {
            document = try JSONSchema.Value.parse(body)
        } catch {
            return ["body is not valid JSON"]
        }
        // Validate inside a synthetic snapshot event, whose schema defines the document.
        let envelope = JSONSchema.Value.object([
            "specversion": .string("1.0"), "id": .string("00000000-0000-4000-8000-000000000000"),
            "source": .string("/clm/registry"), "type": .string(EventType.policySnapshot.rawValue),
            "subject": .string("policy"), "time": .string("2026-01-01T00:00:00.000Z"),
            "datacontenttype": .string("application/json"), "realm": .string("validation"),
            "data": .object([
                "realm": .string("validation"), "policy": .string("policy"), "version": .number(1),
                "createdAt": .string("2026-01-01T00:00:00.000Z"), "document": document,
            ]),
        ])
        let violations: [JSONSchema.Violation]
        do {
            violations = try EventSchemas.validate(envelope)
        } catch {
            return ["policy schema unavailable: \(error)"]
        }
        let prefix = "/data/document"
        return violations.compactMap { violation in
            guard violation.path.hasPrefix(prefix) else { return nil }
            let path = String(violation.path.dropFirst(prefix.count))
            return "\(path.isEmpty ? "/" : path): \(violation.reason)"
        }
    }
}
