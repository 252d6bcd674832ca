import CLMContracts
import Foundation

/// Policy documents no `PolicyDocument` can express (unknown or misspelt fields, values of the
/// wrong type), for the tests that check the registry refuses them: a typed policy as a JSON
/// object whose members are then replaced with raw JSON text.
enum RawPolicy {
    /// One JSON value written out as text, e.g. `#"{"mode":"whenever"}"#`.
    static func json(_ text: String) -> JSONValue {
        do {
            return try JSONValue.parse(Array(text.utf8), maximumDepth: 32)
        } catch {
            preconditionFailure("test fixture is not JSON (\(error.reason)): \(text)")
        }
    }

    /// `policy` encoded, with `change` applied to its members.
    static func body(_ policy: PolicyDocument, _ change: (inout [String: JSONValue]) -> Void) throws -> Data {
        let encoded = try ContractCoding.encoder().encode(policy)
        guard case .object(var members) = try JSONValue.parse(Array(encoded), maximumDepth: 32) else {
            throw TestSetupError("a policy does not encode as a JSON object")
        }
        change(&members)
        return Data(JSONValue.object(members).serialized)
    }
}
