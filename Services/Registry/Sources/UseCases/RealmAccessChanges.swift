import CLMContracts
import CLMServiceKit
import CLMStorage
import Foundation

/// Who may act in a realm and which CAs its policies may name: member grants and the realm's
/// CA list, each changed, audited and published in one transaction.
struct RealmAccessChanges: Sendable {
    let store: RegistryStore
    let members: RealmMembers
    let audit: AuditLog

    /// Writes one membership (empty `roles` removes it) and publishes it.
    func saveMember(
        realm: String, subject: String, roles: [String], by actor: String, database: some DatabaseAccess
    ) async throws -> MemberSnapshot {
        let (members, audit) = (members, audit)
        return try await database.write { tx in
            let current = try await members.member(realm: realm, subject: subject, on: tx.connection, logger: tx.logger)
            if roles.isEmpty && (current?.roles.isEmpty ?? true) { throw Problem.notFound("member '\(subject)'") }
            let snapshot = MemberSnapshot(
                realm: realm, subject: subject, roles: roles, revision: (current?.revision ?? 0) + 1, updatedAt: Date())
            try await members.apply(snapshot, on: tx.connection, logger: tx.logger)
            try await audit.append(
                realm: realm, actor: actor, action: roles.isEmpty ? "member.removed" : "member.granted",
                target: "member/\(subject)", details: roles.joined(separator: ","), in: tx)
            try await tx.publish(snapshot, subject: "member/\(realm)/\(subject)", realm: realm)
            tx.logger.notice(
                "realm membership changed",
                metadata: ["realm": "\(realm)", "member": "\(subject)", "roles": "\(roles.joined(separator: ","))"])
            return snapshot
        }
    }

    /// Applies `change` (the current list, the CA, the policies naming it) to the realm's CA
    /// list under the realm's row lock, and publishes the realm when the list changed.
    func changeCAs(
        realm: String, ca: String, by actor: String, database: some DatabaseAccess,
        _ change: @Sendable ([String], String, [String]) throws -> [String]
    ) async throws -> [String] {
        guard Identifier.isValid(realm) else { throw Problem.notFound("realm '\(realm)'") }
        guard Identifier.isValid(ca) else {
            throw Problem.invalid("invalid-identifier", "ca: must match [a-z0-9][a-z0-9-]{0,62}")
        }
        let (store, audit) = (store, audit)
        return try await database.write { tx in
            guard var snapshot = try await store.realm(realm, lock: true, on: tx.connection, logger: tx.logger) else {
                throw Problem.notFound("realm '\(realm)'")
            }
            let usedBy = try await store.policiesUsing(ca: ca, realm: realm, on: tx.connection, logger: tx.logger)
            let updated = try change(snapshot.knownCAs, ca, usedBy)
            guard updated != snapshot.knownCAs else { return updated }
            try RegistryRules.validateCAList(updated)
            snapshot.cas = updated
            try await store.setCAs(updated, realm: realm, on: tx.connection, logger: tx.logger)
            try await audit.append(
                realm: realm, actor: actor, action: "realm.cas-changed", target: "realm/\(realm)",
                details: "CAs: \(updated.joined(separator: ", "))", in: tx)
            try await tx.publish(snapshot, subject: "realm/\(realm)", realm: realm)
            return updated
        }
    }
}
