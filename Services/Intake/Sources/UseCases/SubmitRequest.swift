import CLMContracts
import CLMServiceKit
import CLMStorage
import Foundation
import Logging

/// Submission, the one flow behind `POST …/requests` and the Kafka command topic: the rules
/// that need no database, the idempotency key, the registry read model, the policy's
/// judgement, and the request recorded with its event and audit record in one transaction.
struct SubmitRequest: Sendable {
    let store: IntakeStore
    let audit: AuditLog

    struct Input: Sendable {
        var realm: String
        /// The authenticated caller, already authorised to submit in `realm`.
        var requester: String
        var body: SubmitRequestBody
        /// As the caller gave it (header or command field), not yet scoped to the requester.
        var idempotencyKey: String?
        /// How long to wait for the registry read model to show an object created moments
        /// ago before saying it does not exist (none inside a command's own transaction).
        var readModelGrace: Duration = .zero
        /// Set for a renewal: the request it renews.
        var renewal: Renewal? = nil
    }

    /// A renewal's original: what it asked for, its certificate, and whether to revoke it once
    /// the new one is issued.
    struct Renewal: Sendable {
        var original: RequestSubmitted
        var serialNumber: String
        var revokeOnIssue: Bool
    }

    enum Outcome: Sendable, Equatable {
        /// A new request was recorded.
        case submitted(UUID)
        /// The idempotency key named an earlier request (or one recorded concurrently).
        case existing(UUID)

        var isNew: Bool {
            if case .submitted = self { return true }
            return false
        }

        var request: UUID {
            switch self {
            case .submitted(let id), .existing(let id): id
            }
        }
    }

    func callAsFunction(_ input: Input, database: some DatabaseAccess, logger: Logger) async throws -> Outcome {
        let (store, realm, body) = (store, input.realm, input.body)
        let idempotencyKey = try SubmissionRules.idempotencyKey(input.idempotencyKey, requester: input.requester)
        // Everything that needs no database first.
        let key = try SubmissionRules.checkedKey(body)
        if let existing = try await existing(idempotencyKey, realm: realm, database: database, logger: logger) {
            return .existing(existing)
        }
        let catalogue = try await lookUp(
            realm: realm, body: body, grace: input.readModelGrace, database: database, logger: logger)
        var (submitted, note) = try SubmissionRules.judge(
            body, key: key, realm: realm, requester: input.requester, policyVersion: catalogue.version,
            policy: catalogue.policy, entities: catalogue.entities)
        if let renewal = input.renewal {
            submitted = RenewalRules.linking(
                submitted, to: renewal.original, serialNumber: renewal.serialNumber,
                revokeOnIssue: renewal.revokeOnIssue, policy: catalogue.policy)
        }
        let audit = self.audit
        let recorded = try await database.write { tx in
            guard
                try await store.insertRequest(
                    submitted, validityNote: note, idempotencyKey: idempotencyKey, on: tx.connection, logger: tx.logger)
            else { return false }
            try await tx.publish(submitted, about: submitted.request, realm: realm)
            let renews = submitted.renewalOf.map {
                ", renews \($0.serialNumber)\($0.revokeOnIssue ? " (revoked on issue)" : ""), approval \(submitted.approval.mode)"
            }
            try await audit.append(
                realm: realm, actor: submitted.requester,
                action: submitted.renewalOf == nil ? "request.submitted" : "request.renewal",
                target: submitted.request.lowercasedString,
                details: "policy \(submitted.policy) v\(submitted.policyVersion), key \(submitted.keySource.rawValue)"
                    + (renews ?? ""),
                in: tx)
            return true
        }
        if recorded {
            logger.info(
                "request submitted",
                metadata: [
                    "request.id": "\(submitted.request)", "policy": "\(submitted.policy)",
                    "policy.version": "\(submitted.policyVersion)",
                ])
            return .submitted(submitted.request)
        }
        // A retry with the same key won the race. Its insert has committed by now (ours waited
        // for it), and each statement sees what is committed: answer with the winner.
        if let winner = try await existing(idempotencyKey, realm: realm, database: database, logger: logger) {
            return .existing(winner)
        }
        throw Problem.conflict("duplicate", "a request with this idempotency key was recorded concurrently; retry")
    }

    private func existing(
        _ idempotencyKey: String?, realm: String, database: some DatabaseAccess, logger: Logger
    ) async throws -> UUID? {
        guard let idempotencyKey else { return nil }
        let store = self.store
        return try await database.read { connection in
            try await store.request(idempotencyKey: idempotencyKey, realm: realm, on: connection, logger: logger)
        }
    }

    /// What a request is judged against.
    struct Catalogue: Sendable {
        var version: Int
        var policy: PolicyDocument
        var entities: [EndEntity]
    }

    /// The realm, policy version and end entities from the read model, giving the registry's
    /// events `grace` to arrive for objects created just now.
    func lookUp(
        realm: String, body: SubmitRequestBody, grace: Duration, database: some DatabaseAccess, logger: Logger
    ) async throws -> Catalogue {
        let deadline = ContinuousClock.now + grace
        while true {
            do {
                return try await lookUpOnce(realm: realm, body: body, database: database, logger: logger)
            } catch let problem as Problem where problem.kind != .unavailable && ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(100))
            }
        }
    }

    private func lookUpOnce(
        realm: String, body: SubmitRequestBody, database: some DatabaseAccess, logger: Logger
    ) async throws -> Catalogue {
        let store = self.store
        return try await database.read { connection in
            guard try await store.realmExists(realm, on: connection, logger: logger) else {
                throw Problem.notFound("realm '\(realm)'")
            }
            guard
                let policy = try await store.policy(
                    realm: realm, id: body.policy, version: body.policyVersion, on: connection, logger: logger)
            else {
                if let version = body.policyVersion {
                    throw Problem.refused(
                        "unknown-policy-version",
                        "policyVersion: policy '\(body.policy)' has no version \(version) in realm '\(realm)' (yet)")
                }
                throw Problem.refused("unknown-policy", "policy: '\(body.policy)' does not exist in realm '\(realm)'")
            }
            let entities = try await store.entities(realm: realm, ids: body.entities, on: connection, logger: logger)
            let missing = body.entities.filter { entities[$0] == nil }
            guard missing.isEmpty else {
                let names = missing.map { "'\($0)'" }.joined(separator: ", ")
                throw Problem.refused("unknown-end-entity", "entities: \(names) not found in realm '\(realm)'")
            }
            return Catalogue(
                version: policy.version, policy: policy.document, entities: body.entities.compactMap { entities[$0] })
        }
    }
}
