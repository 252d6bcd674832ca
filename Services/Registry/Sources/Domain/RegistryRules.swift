import CLMContracts
import Foundation

/// What the registry accepts: identifiers, names, role grants, CA lists, policy documents and
/// end entities. Pure; every refusal is a `Problem` naming the field.
enum RegistryRules {
    static func checkRealm(id: String, displayName: String, cas: [String]?) throws {
        guard Identifier.isValid(id) else {
            throw Problem.invalid("invalid-identifier", "id: must match [a-z0-9][a-z0-9-]{0,62}")
        }
        guard !Identifier.reservedRealms.contains(id) else {
            throw Problem.invalid("reserved-identifier", "id: '\(id)' is reserved")
        }
        guard (1...200).contains(displayName.count) else {
            throw Problem.invalid("invalid-field", "displayName: must be 1...200 characters")
        }
        if let cas { try validateCAList(cas) }
    }

    /// A policy upload: its schema, its own consistency, and the id its URL names.
    static func policyDocument(_ body: [UInt8], existing: String?) throws -> PolicyDocument {
        let schemaProblems = PolicyDocument.schemaProblems(body)
        guard schemaProblems.isEmpty else {
            throw Problem.refused("invalid-policy", schemaProblems.joined(separator: "; "), violations: schemaProblems)
        }
        let document = try ContractCoding.decoder().decode(PolicyDocument.self, from: Data(body))
        if let existing, existing != document.id {
            throw Problem.invalid("id-mismatch", "id: '\(document.id)' differs from the URL's '\(existing)'")
        }
        let problems = document.validationProblems()
        guard problems.isEmpty else {
            throw Problem.refused("invalid-policy", problems.joined(separator: "; "), violations: problems)
        }
        return document
    }

    static func checkEntity(_ entity: EndEntity, existing: String?) throws {
        if let existing, existing != entity.id {
            throw Problem.invalid("id-mismatch", "id: '\(entity.id)' differs from the URL's '\(existing)'")
        }
        guard Identifier.isValid(entity.id) else {
            throw Problem.invalid("invalid-identifier", "id: must match [a-z0-9][a-z0-9-]{0,62}")
        }
        let problems = entity.attributes.validationProblems()
        guard problems.isEmpty else {
            throw Problem.refused("invalid-end-entity", problems.joined(separator: "; "), violations: problems)
        }
    }

    /// A token subject as a path gives it (percent-encoded): what an IdP puts in `sub` (e-mail
    /// addresses, UUIDs, `service-account:x`), without control characters.
    static func subject(fromPath raw: String) throws -> String {
        guard let subject = raw.removingPercentEncoding else {
            throw Problem.invalid("invalid-subject", "subject: invalid percent-encoding")
        }
        guard (1...256).contains(subject.utf8.count),
            !subject.unicodeScalars.contains(where: { $0.properties.generalCategory == .control })
        else { throw Problem.invalid("invalid-subject", "subject: 1...256 bytes without control characters") }
        return subject
    }

    static func validateRoles(_ roles: [String]) throws -> [String] {
        guard !roles.isEmpty else {
            throw Problem.invalid("invalid-field", "roles: name at least one role (DELETE removes a member)")
        }
        let unknown = roles.filter { !MemberSnapshot.grantableRoles.contains($0) }
        guard unknown.isEmpty else {
            let named = unknown.map { "'\($0)'" }.joined(separator: ", ")
            let grantable = MemberSnapshot.grantableRoles.sorted().joined(separator: ", ")
            throw Problem.invalid("invalid-field", "roles: \(named) not one of \(grantable)")
        }
        return Array(Set(roles)).sorted()
    }

    static func validateCAList(_ cas: [String]) throws {
        guard cas.count <= 32 else { throw Problem.invalid("invalid-field", "cas: at most 32 CAs per realm") }
        for ca in cas where !Identifier.isValid(ca) {
            throw Problem.invalid("invalid-identifier", "cas: '\(ca)' must match [a-z0-9][a-z0-9-]{0,62}")
        }
        guard Set(cas).count == cas.count else { throw Problem.invalid("invalid-field", "cas: listed twice") }
    }

    /// A realm's CA list with `ca` added.
    static func adding(_ ca: String, to cas: [String]) -> [String] { cas.contains(ca) ? cas : cas + [ca] }

    /// A realm's CA list without `ca`, refused while a policy's latest version names it.
    static func removing(_ ca: String, from cas: [String], usedBy policies: [String]) throws -> [String] {
        guard cas.contains(ca) else { throw Problem.notFound("CA '\(ca)' in this realm") }
        guard policies.isEmpty else {
            throw Problem.conflict(
                "ca-in-use", "CA '\(ca)' is named by the latest version of: \(policies.joined(separator: ", "))")
        }
        return cas.filter { $0 != ca }
    }
}
