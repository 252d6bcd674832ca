import CLMContracts
import CLMCrypto
import CLMServiceKit
import CLMStorage
import Foundation
import Logging
import PostgresNIO

/// How a submission becomes a recorded request — the same checks and the same record whether
/// it came through `POST …/requests` or the Kafka command topic.
enum Submission {
    /// The certificate's key as the policy judges it, and what travels with the request.
    struct Key: Sendable {
        var source: KeySource
        var description: KeyDescription
        /// Base64 SPKI of a CSR's key.
        var publicKey: String?
        /// What keygen will generate, e.g. `ec:P-256`.
        var spec: String?
        /// The chosen download password (server-side keys only); hashed in `judge`.
        var password: String?
    }

    /// The caller's idempotency key, scoped to the requester: the same key from another
    /// requester is another request (and never reveals the first). The length prefix keeps
    /// the pair unambiguous.
    static func idempotencyKey(_ key: String?, requester: String) throws -> String? {
        guard let key else { return nil }
        guard (1...200).contains(key.count) else {
            throw APIError.badRequest("invalid-idempotency-key", "Idempotency-Key must be 1...200 characters")
        }
        return "\(requester.utf8.count):\(requester)\(key)"
    }

    /// Everything that needs no database: identifiers, counts, and the key (a CSR's public key
    /// with proof of possession checked, or a key pair keygen will make after approval).
    static func checkedKey(_ body: SubmitRequest) throws -> Key {
        if let version = body.policyVersion, version < 1 {
            throw APIError.badRequest("invalid-field", "policyVersion: must be 1 or more")
        }
        guard Identifier.isValid(body.policy) else { throw APIError.badRequest("invalid-identifier", "policy: not a valid identifier") }
        guard (1...20).contains(body.entities.count) else {
            throw APIError.badRequest("invalid-field", "entities: give 1...20 end entity ids")
        }
        for (index, entity) in body.entities.enumerated() where !Identifier.isValid(entity) {
            throw APIError.badRequest("invalid-identifier", "entities[\(index)]: not a valid identifier")
        }
        if body.keyGeneration == nil, body.keyPassword != nil {
            throw APIError.badRequest("unexpected-key-password", "keyPassword: only for keyGeneration (a CSR's key never reaches CLM)")
        }
        switch (body.csr, body.keyGeneration) {
        case (.some, .some):
            throw APIError.badRequest("conflicting-key-source", "give either 'csr' or 'keyGeneration', not both")
        case (nil, nil):
            throw APIError.badRequest(
                "missing-key-source", "csr: a PKCS#10 request (PEM or base64 DER), or keyGeneration (e.g. ec:P-256)")
        case (.some(let csrText), nil):
            let csr: CertificationRequest
            do {
                csr = try CertificationRequest.parse(csrBytes(csrText))
            } catch let error as CryptoError {
                throw APIError.unprocessable("invalid-csr", "csr: \(error.reason)")
            }
            return Key(
                source: .csr,
                description: KeyDescription(
                    algorithm: csr.publicKey.algorithm.rawValue, bits: csr.publicKey.bits, curve: csr.publicKey.curve?.rawValue),
                publicKey: Data(csr.publicKey.spkiDER).base64EncodedString())
        case (nil, .some(let text)):
            let spec: KeySpec
            do {
                spec = try KeySpec(parsing: text)
            } catch let error as CryptoError {
                throw APIError.unprocessable("invalid-key-generation", "keyGeneration: \(error.reason)")
            }
            guard let password = body.keyPassword else {
                throw APIError.badRequest(
                    "missing-key-password", "keyPassword: choose the password the key bundle download will need")
            }
            guard (12...1024).contains(password.count) else {
                throw APIError.badRequest("weak-password", "keyPassword: must be 12...1024 characters")
            }
            return Key(source: .server, description: describe(spec), spec: spec.description, password: password)
        }
    }

    /// The realm, policy version and end entities from the read model, or the problem that
    /// names what is missing.
    static func lookUp(
        realm: String, body: SubmitRequest, store: IntakeStore, on connection: PostgresConnection, logger: Logger
    ) async throws -> (Int, PolicyDocument, [EndEntity]) {
        guard try await store.realmExists(realm, on: connection, logger: logger) else {
            throw APIError.notFound("realm '\(realm)'")
        }
        guard
            let policy = try await store.policy(
                realm: realm, id: body.policy, version: body.policyVersion, on: connection, logger: logger)
        else {
            if let version = body.policyVersion {
                throw APIError.unprocessable(
                    "unknown-policy-version",
                    "policyVersion: policy '\(body.policy)' has no version \(version) in realm '\(realm)' (yet)")
            }
            throw APIError.unprocessable("unknown-policy", "policy: '\(body.policy)' does not exist in realm '\(realm)'")
        }
        let entities = try await store.entities(realm: realm, ids: body.entities, on: connection, logger: logger)
        let missing = body.entities.filter { entities[$0] == nil }
        guard missing.isEmpty else {
            throw APIError.unprocessable(
                "unknown-end-entity", "entities: \(missing.map { "'\($0)'" }.joined(separator: ", ")) not found in realm '\(realm)'")
        }
        return (policy.version, policy.document, body.entities.compactMap { entities[$0] })
    }

    /// Judges the request against its policy version; the request to record, or every
    /// violation as a 422 `policy-mismatch`.
    static func judge(
        _ body: SubmitRequest, key: Key, realm: String, requester: String, policyVersion: Int, policy: PolicyDocument,
        entities: [EndEntity]
    ) throws -> (RequestSubmitted, validityNote: String?) {
        let mismatch = "the request does not satisfy policy \(policy.id) v\(policyVersion)"
        let plan: RequestPlan
        switch RequestPlanner.plan(policy: policy, entities: entities, key: key.description, suggestedValidityDays: body.validityDays) {
        case .success(let value): plan = value
        case .failure(let violations):
            throw APIError.unprocessable(
                "policy-mismatch", mismatch, extensions: ["violations": violations.items.map(\.description)])
        }
        var verificationEmails: [String]?
        if policy.approval.mode == .email {
            // Every end entity confirms at its own address, so each needs one.
            let missing = entities.filter { ($0.attributes.email ?? "").isEmpty }.map(\.id)
            guard missing.isEmpty else {
                throw APIError.unprocessable(
                    "policy-mismatch", mismatch,
                    extensions: [
                        "violations": missing.map {
                            "\($0).email: required (policy approves by e-mail verification, which mails the end entity)"
                        }
                    ])
            }
            verificationEmails = Array(Set(entities.compactMap(\.attributes.email))).sorted()
        }
        // Only a slow hash of the chosen download password travels on.
        let verifier = try key.password.map { try PasswordVerifier.make(password: $0).description }
        let submitted = RequestSubmitted(
            request: UUID(), realm: realm, requester: requester, policy: policy.id, policyVersion: policyVersion,
            ca: policy.ca, approval: policy.approval, subject: plan.subject, alternativeNames: plan.alternativeNames,
            keySource: key.source, publicKey: key.publicKey, keySpec: key.spec,
            validityDays: plan.validityDays, keyUsage: policy.profile.keyUsage,
            extendedKeyUsage: policy.profile.extendedKeyUsage, submittedAt: Date(), verificationEmails: verificationEmails,
            keyRetentionSeconds: key.source == .server
                ? DurationText.seconds(policy.keyRetention ?? PolicyDocument.defaultKeyRetention) : nil,
            keyPasswordVerifier: verifier)
        return (submitted, plan.validityNote)
    }

    /// Records the request, its event and its audit record in `tx`; false when a request with
    /// the same idempotency key won the race.
    static func record(
        _ submitted: RequestSubmitted, validityNote: String?, idempotencyKey: String?, store: IntakeStore, audit: AuditLog,
        in tx: EventTransaction
    ) async throws -> Bool {
        guard
            try await store.insertRequest(
                submitted, validityNote: validityNote, idempotencyKey: idempotencyKey, on: tx.connection, logger: tx.logger)
        else { return false }
        let id = submitted.request.uuidString.lowercased()
        try await tx.publish(tx.outbox.event(.requestSubmitted, subject: id, realm: submitted.realm, data: submitted))
        try await audit.append(
            realm: submitted.realm, actor: submitted.requester, action: "request.submitted", target: id,
            details: "policy \(submitted.policy) v\(submitted.policyVersion), key \(submitted.keySource.rawValue)", in: tx)
        return true
    }

    /// What the policy judges of a key that does not exist yet.
    static func describe(_ spec: KeySpec) -> KeyDescription {
        switch spec {
        case .rsa(let bits): KeyDescription(algorithm: "rsa", bits: bits)
        case .ec(let curve): KeyDescription(algorithm: "ec", bits: curve.bits, curve: curve.rawValue)
        case .ed25519: KeyDescription(algorithm: "ed25519", bits: 256)
        case .ed448: KeyDescription(algorithm: "ed448", bits: 456)
        }
    }

    /// Accepts PEM text or base64 DER.
    static func csrBytes(_ text: String) -> [UInt8] {
        if text.contains("-----BEGIN") { return Array(text.utf8) }
        let compact = text.filter { !$0.isWhitespace }
        return Data(base64Encoded: compact).map(Array.init) ?? Array(text.utf8)
    }
}
