import CLMContracts
import CLMStorage
import Foundation
import Testing

@testable import Intake

/// Intake's read model as the registry would leave it for the demo: `realm`, the demo policy
/// (`deploy/demo/policy.json`) at version 1 and the demo end entity (`entity.json`).
enum DemoReadModel {
    static func seed(realm: String, in database: some DatabaseAccess) async throws {
        let root = try TestEnvironment.require().repoRoot.appendingPathComponent("deploy/demo")
        let policy = try ContractCoding.decoder().decode(
            PolicyDocument.self, from: Data(contentsOf: root.appendingPathComponent("policy.json")))
        let entity = try ContractCoding.decoder().decode(
            EndEntity.self, from: Data(contentsOf: root.appendingPathComponent("entity.json")))
        let store = IntakeStore()
        try await database.write { tx in
            try await store.upsertRealm(
                RealmSnapshot(realm: realm, displayName: "ACME", createdAt: Date()), on: tx.connection,
                logger: tx.logger)
            try await store.insertPolicy(
                PolicySnapshot(realm: realm, policy: policy.id, version: 1, document: policy, createdAt: Date()),
                on: tx.connection, logger: tx.logger)
            try await store.upsertEntity(
                EndEntitySnapshot(realm: realm, entity: entity, revision: 1), on: tx.connection, logger: tx.logger)
        }
    }
}
