import CLMContracts
import CLMServiceKit
import CLMStorage
import Foundation

/// The registry's writes: each one changes its table, chains an audit record and publishes the
/// snapshot the other services' read models are built from, in one transaction.
struct RegistryChanges: Sendable {
    let store: RegistryStore
    let members: RealmMembers
    let audit: AuditLog

    func createRealm(id: String, displayName: String, cas: [String]?, by actor: String, database: some DatabaseAccess)
        async throws -> RealmSnapshot
    {
        try RegistryRules.checkRealm(id: id, displayName: displayName, cas: cas)
        let snapshot = RealmSnapshot(
            realm: id, displayName: displayName, createdAt: Date(), cas: cas ?? RealmSnapshot.defaultCAs)
        let (store, audit) = (store, audit)
        let created = try await database.write { tx in
            guard try await store.insertRealm(snapshot, on: tx.connection, logger: tx.logger) else { return false }
            try await audit.append(
                realm: AuditRecord.platformRealm, actor: actor, action: "realm.created", target: snapshot.realm,
                details: "CAs: \(snapshot.knownCAs.joined(separator: ", "))", in: tx)
            try await tx.publish(snapshot, subject: "realm/\(snapshot.realm)", realm: snapshot.realm)
            return true
        }
        guard created else { throw Problem.conflict("realm-exists", "realm '\(id)' already exists") }
        return snapshot
    }

    /// A new policy (`existing` nil) or a new version of `existing`.
    func savePolicy(
        _ document: PolicyDocument, realm: String, existing: String?, by actor: String, database: some DatabaseAccess
    ) async throws -> PolicySnapshot {
        let (store, audit) = (store, audit)
        let snapshot = try await database.write { tx -> PolicySnapshot? in
            let latest = try await store.latestPolicyVersion(
                realm: realm, id: document.id, on: tx.connection, logger: tx.logger)
            let known = try await store.realm(realm, on: tx.connection, logger: tx.logger)?.knownCAs ?? []
            guard known.contains(document.ca) else {
                let problem =
                    "/ca: '\(document.ca)' is not a CA of realm '\(realm)' (its CAs: \(known.joined(separator: ", ")))"
                throw Problem.refused("invalid-policy", problem, violations: [problem])
            }
            switch (existing, latest) {
            case (nil, .some): return nil
            case (.some, nil): throw Problem.notFound("policy '\(document.id)'")
            default: break
            }
            let snapshot = PolicySnapshot(
                realm: realm, policy: document.id, version: (latest ?? 0) + 1, document: document, createdAt: Date())
            try await store.insertPolicy(snapshot, on: tx.connection, logger: tx.logger)
            try await audit.append(
                realm: realm, actor: actor, action: "policy.version-created",
                target: "policy/\(document.id)/\(snapshot.version)",
                details: "ca \(document.ca), approval \(document.approval.mode.rawValue)", in: tx)
            try await tx.publish(snapshot, subject: "policy/\(realm)/\(document.id)/\(snapshot.version)", realm: realm)
            return snapshot
        }
        guard let snapshot else {
            throw Problem.conflict(
                "policy-exists", "policy '\(document.id)' exists; PUT to its URL to create a new version")
        }
        return snapshot
    }

    /// A new end entity (`existing` nil) or the next revision of `existing`.
    func saveEntity(
        _ entity: EndEntity, realm: String, existing: String?, by actor: String, database: some DatabaseAccess
    ) async throws -> EndEntitySnapshot {
        try RegistryRules.checkEntity(entity, existing: existing)
        let (store, audit) = (store, audit)
        let snapshot = try await database.write { tx -> EndEntitySnapshot? in
            let revision = try await store.entityRevision(
                realm: realm, id: entity.id, on: tx.connection, logger: tx.logger)
            switch (existing, revision) {
            case (nil, .some): return nil
            case (.some, nil): throw Problem.notFound("end entity '\(entity.id)'")
            default: break
            }
            let snapshot = EndEntitySnapshot(realm: realm, entity: entity, revision: (revision ?? 0) + 1)
            try await store.upsertEntity(snapshot, on: tx.connection, logger: tx.logger)
            try await audit.append(
                realm: realm, actor: actor, action: "end-entity.saved",
                target: "end-entity/\(entity.id)/\(snapshot.revision)", in: tx)
            try await tx.publish(snapshot, subject: "end-entity/\(realm)/\(entity.id)", realm: realm)
            return snapshot
        }
        guard let snapshot else {
            throw Problem.conflict("end-entity-exists", "end entity '\(entity.id)' exists; PUT to its URL to change it")
        }
        return snapshot
    }
}
