import Foundation

@testable import CLMContracts

/// Realistic events of every type, and helpers to walk and mutate parsed JSON.
enum ContractFixtures {
    typealias Value = JSONSchema.Value

    static let request = UUID(uuidString: "6F1C2A4E-3B7D-4E21-9A0C-5D8E7F6A1B2C")!
    static let eventID = UUID(uuidString: "0B9F8E7D-6C5B-4A39-8827-16F5E4D3C2B1")!
    /// 2025-03-14T09:26:53.589Z: a timestamp with a fractional part.
    static let time = Date(timeIntervalSince1970: 1_741_944_413.589)
    static let realm = "acme-corp"
    static let traceparent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"

    /// The JSON bytes of a full CloudEvent of `type`. With `optionals` every optional
    /// property (envelope and payload, at every depth) is set; without, every one is nil.
    static func event(_ type: EventType, optionals: Bool) throws -> [UInt8] {
        func envelope<Payload: Codable & Sendable>(_ data: Payload, subject: String) throws -> [UInt8] {
            try CloudEvent(
                id: eventID, source: "/clm/test", type: type, subject: subject, realm: realm, time: time,
                traceparent: optionals ? traceparent : nil, data: data
            ).encoded()
        }
        let approval = PolicyDocument.Approval(
            mode: .manual, approvers: optionals ? 2 : nil, linkLifetime: optionals ? "24h" : nil,
            expiresAfter: optionals ? "72h" : nil, automaticRenewal: optionals ? true : nil)
        switch type {
        case .realmSnapshot:
            return try envelope(
                RealmSnapshot(
                    realm: realm, displayName: "ACME Corporation", createdAt: time,
                    cas: optionals ? ["default", "acme-issuing-ca"] : nil),
                subject: realm)
        case .submitCommand:
            return try envelope(
                SubmitCommand(
                    token: "eyJhbGciOiJFUzI1NiJ9.e30.c2ln", policy: "web-server", policyVersion: optionals ? 3 : nil,
                    entities: ["www"], csr: optionals ? "-----BEGIN CERTIFICATE REQUEST-----" : nil,
                    keyGeneration: optionals ? "ec:P-256" : nil, validityDays: optionals ? 30 : nil,
                    keyPassword: optionals ? "correct horse battery" : nil,
                    idempotencyKey: optionals ? "build-4711" : nil),
                subject: "submit/build-4711")
        case .commandResult:
            return try envelope(
                CommandResult(
                    command: eventID, realm: realm, accepted: optionals, request: optionals ? request : nil,
                    serialNumber: optionals ? "4F2A9C0017E3B5D8" : nil, code: optionals ? "policy-mismatch" : nil,
                    reason: optionals ? "www.commonName: required" : nil,
                    violations: optionals ? ["www.commonName: required"] : nil),
                subject: eventID.uuidString)
        case .auditRecord:
            return try envelope(
                AuditRecord(
                    service: "approval", realm: realm, sequence: 7, at: "2025-03-14T09:26:53.589Z",
                    actor: "bob@acme.example",
                    action: "approval.declined", target: request.uuidString, details: "reason: not ours",
                    previousHash: String(repeating: "a", count: 64), hash: String(repeating: "b", count: 64)),
                subject: "audit/approval/\(realm)/7")
        case .memberSnapshot:
            return try envelope(
                MemberSnapshot(
                    realm: realm, subject: "bob@acme.example", roles: ["approver", "auditor"], revision: 2,
                    updatedAt: time),
                subject: "bob@acme.example")
        case .policySnapshot:
            let document = PolicyDocument(
                id: "web-server", displayName: optionals ? "Web servers" : nil, ca: "acme-issuing-ca",
                keyTemplate: .init(rsaBits: [2048, 3072, 4096], ecCurves: ["P-256", "P-384"], eddsa: ["Ed25519"]),
                validity: .init(defaultDays: 90, maxDays: 397),
                profile: .init(keyUsage: ["digitalSignature", "keyEncipherment"], extendedKeyUsage: ["serverAuth"]),
                constraints: optionals
                    ? SubjectConstraints(
                        // Every attribute with every rule member, so the schema drift check sees all keys.
                        attributes: Dictionary(
                            uniqueKeysWithValues: SubjectConstraints.attributeNames.map {
                                ($0, SubjectConstraints.AttributeRule(presence: .optional, value: "x", pattern: ".*"))
                            }),
                        allowedDNSSuffixes: ["acme.example"], allowedEmailDomains: ["acme.example"],
                        allowedIPRanges: ["10.0.0.0/8"], minSANs: 1, maxSANs: 10)
                    : nil,
                approval: approval, keyRetention: optionals ? "7d" : nil,
                certificatePolicies: optionals ? ["2.23.140.1.2.1", "1.3.6.1.4.1.99999.1"] : nil,
                publicTLS: optionals ? true : nil, expiryWarnings: optionals ? ["30d", "7d", "12h"] : nil)
            return try envelope(
                PolicySnapshot(realm: realm, policy: "web-server", version: 3, document: document, createdAt: time),
                subject: "web-server")
        case .endEntitySnapshot:
            let attributes =
                optionals
                ? EndEntity.Attributes(
                    commonName: "www.acme.example", email: "webmaster@acme.example", organization: "ACME Corp",
                    organizationalUnit: "Web", country: "DE", locality: "Berlin", state: "Berlin",
                    dnsNames: ["www.acme.example", "acme.example"], ipAddresses: ["192.0.2.10", "2001:db8::10"],
                    uris: ["https://acme.example/"])
                : EndEntity.Attributes()
            let entity = EndEntity(id: "www", kind: .device, attributes: attributes)
            return try envelope(EndEntitySnapshot(realm: realm, entity: entity, revision: 4), subject: "www")
        case .requestSubmitted:
            var submitted = RequestSubmitted(
                request: request, realm: realm, requester: "alice@acme.example", policy: "web-server",
                policyVersion: 3, ca: "acme-issuing-ca", approval: approval,
                subject: [.init(type: "CN", value: "www.acme.example"), .init(type: "O", value: "ACME Corp")],
                alternativeNames: [
                    .init(kind: .dns, value: "www.acme.example"), .init(kind: .ip, value: "192.0.2.10"),
                ],
                keySource: optionals ? .csr : .server,
                publicKey: optionals ? "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEq3F0+1lTnWTg7xj1Q5bYyPjLtJfZ==" : nil,
                keySpec: optionals ? "ec:P-256" : nil, validityDays: 90,
                keyUsage: ["digitalSignature"], extendedKeyUsage: ["serverAuth", "clientAuth"], submittedAt: time,
                verificationEmails: optionals ? ["webmaster@acme.example"] : nil,
                keyRetentionSeconds: optionals ? 604_800 : nil,
                keyPasswordVerifier: optionals
                    ? "pbkdf2-sha256$210000$c2FsdHNhbHRzYWx0c2FsdA==$aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaGhhc2g="
                    : nil,
                certificatePolicies: optionals ? ["2.23.140.1.2.1"] : nil
            )
            submitted.entities = optionals ? ["www", "api"] : nil
            submitted.renewalOf =
                optionals
                ? RenewalOf(
                    request: eventID, ca: "acme-issuing-ca", serialNumber: "4F2A9C0017E3B5D8", revokeOnIssue: true)
                : nil
            submitted.expiryWarningSeconds = optionals ? [2_592_000, 604_800, 43_200] : nil
            return try envelope(submitted, subject: request.uuidString)
        case .requestApproved:
            return try envelope(
                RequestApproved(
                    request: request, realm: realm, approvedBy: ["bob@acme.example", "carol@acme.example"],
                    reason: "two approvals"),
                subject: request.uuidString)
        case .requestDeclined:
            return try envelope(
                RequestDeclined(request: request, realm: realm, declinedBy: "bob@acme.example", reason: "not ours"),
                subject: request.uuidString)
        case .requestFailed:
            return try envelope(
                RequestFailed(
                    request: request, realm: realm, code: "ca-unavailable", reason: "CA timed out 5 times",
                    failedBy: "/clm/ca-gateway"),
                subject: request.uuidString)
        case .requestAwaiting:
            return try envelope(
                RequestAwaiting(
                    request: request, realm: realm, state: .awaitingApproval, required: 2,
                    received: ["bob@acme.example"],
                    expiresAt: time.addingTimeInterval(3_600), reason: "1 of 2 approvals"),
                subject: request.uuidString)
        case .requestExpired:
            return try envelope(
                RequestExpired(request: request, realm: realm, reason: "no approval within 72h"),
                subject: request.uuidString)
        case .requestDelayed:
            return try envelope(
                RequestDelayed(
                    request: request, realm: realm, code: "ca-unavailable", reason: "CA suspended: HSM maintenance",
                    attempt: 3, retryAt: time.addingTimeInterval(8)),
                subject: request.uuidString)
        case .keyDestroyed:
            return try envelope(
                KeyDestroyed(
                    request: request, realm: realm, cause: .retentionExpired, reason: "not downloaded within 7d"),
                subject: request.uuidString)
        case .keyGenerated:
            let generated = KeyGenerated(
                request: request, realm: realm, keySpec: "ec:P-256", publicKey: "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE")
            return try envelope(generated, subject: request.uuidString)
        case .certificateIssued:
            let issued = CertificateIssued(
                request: request, realm: realm, ca: "acme-issuing-ca", serialNumber: "4F2A9C0017E3B5D8",
                certificate: "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n",
                chain: "-----BEGIN CERTIFICATE-----\nMIIC\n-----END CERTIFICATE-----\n",
                notBefore: time, notAfter: time.addingTimeInterval(90 * 86_400))
            return try envelope(issued, subject: request.uuidString)
        case .certificateRevoked:
            let revoked = CertificateRevoked(
                request: request, realm: realm, ca: "acme-issuing-ca", serialNumber: "4F2A9C0017E3B5D8",
                reason: .keyCompromise, comment: optionals ? "laptop stolen" : nil, revokedBy: "alice@acme.example",
                revokedAt: time)
            return try envelope(revoked, subject: request.uuidString)
        case .certificateExpiring:
            let expiring = CertificateExpiring(
                request: request, realm: realm, ca: "acme-issuing-ca", serialNumber: "4F2A9C0017E3B5D8",
                subject: "CN=www.acme.example", notAfter: time.addingTimeInterval(7 * 86_400),
                thresholdSeconds: 604_800, requester: "alice@acme.example",
                alternativeNames: ["dns:www.acme.example", "email:webmaster@acme.example"],
                emails: ["webmaster@acme.example"])
            return try envelope(expiring, subject: request.uuidString)
        case .certificateExpired:
            let expired = CertificateExpired(
                request: request, realm: realm, ca: "acme-issuing-ca", serialNumber: "4F2A9C0017E3B5D8",
                subject: "CN=www.acme.example", notAfter: time, requester: "alice@acme.example")
            return try envelope(expired, subject: request.uuidString)
        case .revokeCommand:
            return try envelope(
                RevokeCommand(
                    token: "eyJhbGciOiJFUzI1NiJ9.e30.c2ln", serialNumber: optionals ? "4F2A9C0017E3B5D8" : nil,
                    request: optionals ? request : nil, reason: .superseded, comment: optionals ? "rotated" : nil),
                subject: "revoke/\(eventID.uuidString)")
        }
    }

    static func parsedEvent(_ type: EventType, optionals: Bool) throws -> Value {
        try Value.parse(try event(type, optionals: optionals))
    }

    /// The raw schema file of `type`, parsed.
    static func rawSchema(_ type: EventType) throws -> [String: Value] {
        guard case .object(let members) = try Value.parse(try EventSchemas.schemaBytes(for: type)) else {
            throw FixtureError("schema of \(type) is not an object")
        }
        return members
    }

    struct FixtureError: Error, CustomStringConvertible {
        var description: String
        init(_ description: String) { self.description = description }
    }

    // MARK: Walking

    /// A location in a JSON document as reference tokens (`["data", "approval", "mode"]`).
    typealias Pointer = [String]

    static func string(_ pointer: Pointer) -> String {
        pointer.map { "/" + JSONSchema.escape($0) }.joined()
    }

    /// Every value in `value` with its pointer, the root first, in a stable order.
    static func nodes(of value: Value, at pointer: Pointer = []) -> [(pointer: Pointer, value: Value)] {
        var result = [(pointer, value)]
        switch value {
        case .object(let members):
            for key in members.keys.sorted() { result += nodes(of: members[key]!, at: pointer + [key]) }
        case .array(let elements):
            for (index, element) in elements.enumerated() {
                result += nodes(of: element, at: pointer + [String(index)])
            }
        default:
            break
        }
        return result
    }

    /// `value` with the node at `pointer` replaced (or removed when `replacement` is nil).
    static func replacing(_ pointer: Pointer, in value: Value, with replacement: Value?) -> Value? {
        guard let head = pointer.first else { return replacement }
        let rest = Array(pointer.dropFirst())
        switch value {
        case .object(var members):
            if rest.isEmpty {
                members[head] = replacement
            } else {
                guard let child = members[head] else { return value }
                members[head] = replacing(rest, in: child, with: replacement)
            }
            return .object(members)
        case .array(var elements):
            guard let index = Int(head), elements.indices.contains(index) else { return value }
            if let child = replacing(rest, in: elements[index], with: replacement) {
                elements[index] = child
            } else {
                elements.remove(at: index)
            }
            return .array(elements)
        default:
            return value
        }
    }

    /// Walks a JSON value together with the (raw) schema describing it, resolving `$ref`s,
    /// and calls `body` for every value that the schema describes.
    static func walk(
        _ value: Value, schema: [String: Value], definitions: [String: Value], at pointer: Pointer = [],
        _ body: (Pointer, Value, [String: Value]) throws -> Void
    ) throws {
        let node = try resolve(schema, definitions: definitions)
        try body(pointer, value, node)
        switch value {
        case .object(let members):
            guard case .object(let properties)? = node["properties"] else { return }
            for key in members.keys.sorted() {
                guard case .object(let child)? = properties[key] else { continue }
                try walk(members[key]!, schema: child, definitions: definitions, at: pointer + [key], body)
            }
        case .array(let elements):
            guard case .object(let items)? = node["items"] else { return }
            for (index, element) in elements.enumerated() {
                try walk(element, schema: items, definitions: definitions, at: pointer + [String(index)], body)
            }
        default:
            break
        }
    }

    static func resolve(_ schema: [String: Value], definitions: [String: Value]) throws -> [String: Value] {
        guard case .string(let reference)? = schema["$ref"] else { return schema }
        let name = String(reference.dropFirst("#/$defs/".count))
        guard case .object(let target)? = definitions[name] else {
            throw FixtureError("unresolved \(reference)")
        }
        return try resolve(target, definitions: definitions)
    }

    static func definitions(of schema: [String: Value]) -> [String: Value] {
        if case .object(let definitions)? = schema["$defs"] { return definitions }
        return [:]
    }

    static func stringSet(_ value: Value?) -> Set<String> {
        guard case .array(let elements)? = value else { return [] }
        return Set(elements.compactMap { if case .string(let text) = $0 { text } else { nil } })
    }
}
