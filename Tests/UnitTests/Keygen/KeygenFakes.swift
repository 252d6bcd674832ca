import CLMContracts
import Foundation
import Logging

@testable import Keygen

/// keygen's tables in memory. A transaction that throws leaves them as they were; the claim
/// of a password attempt is atomic, as the PostgreSQL statement is.
final class FakeKeygenStore: KeygenStoring {
    struct Key: Sendable {
        var realm: String
        var stored: StoredKey
        var expired = false
        var inserted: NewSealedKey?
    }

    struct Audit: Sendable, Equatable {
        var realm: String
        var actor: String
        var action: String
        var target: String
        var details: String
    }

    struct Tables: Sendable {
        var orders: [UUID: KeyOrderRecord] = [:]
        var failedDownloads: [UUID: Int] = [:]
        var keys: [UUID: Key] = [:]
        var published: [any EventPayload] = []
        var audits: [Audit] = []
        var claims = 0
    }

    actor State {
        var tables = Tables()
        func read<T: Sendable>(_ body: (Tables) -> T) -> T { body(tables) }
        func change<T: Sendable>(_ body: (inout Tables) throws -> T) rethrows -> T { try body(&tables) }
        func restore(_ snapshot: Tables) { tables = snapshot }
    }

    let state = State()
    let logger = Logger(label: "test.keygen")

    var tables: Tables { get async { await state.read { $0 } } }

    func change<T: Sendable>(_ body: @Sendable (inout Tables) -> T) async -> T { await state.change(body) }

    func transaction<T: Sendable>(logger: Logger, _ body: (any KeygenTransaction) async throws -> T) async throws -> T {
        let snapshot = await tables
        do {
            return try await body(FakeKeygenTransaction(state: state, logger: logger))
        } catch {
            await state.restore(snapshot)
            throw error
        }
    }

    func isAwaitingCertificate(request: UUID, realm: String, logger: Logger) async throws -> Bool {
        await state.read { tables in
            guard let key = tables.keys[request], key.realm == realm else { return false }
            return key.stored.certificate == nil && key.stored.destroyedAt == nil
        }
    }

    func claimDownloadAttempt(
        request: UUID, realm: String, requester: String, limit: Int, logger: Logger
    ) async throws -> DownloadClaim {
        await state.change { tables in
            tables.claims += 1
            guard let order = tables.orders[request], order.realm == realm, order.requester == requester,
                let verifier = order.passwordVerifier
            else { return .notRequired }
            let failed = tables.failedDownloads[request, default: 0]
            guard failed < limit else { return .locked }
            tables.failedDownloads[request] = failed + 1
            return .claimed(attempt: failed + 1, verifier: verifier)
        }
    }
}

struct FakeKeygenTransaction: KeygenTransaction {
    let state: FakeKeygenStore.State
    let logger: Logger

    func insertOrder(_ order: KeyOrderRecord) async throws {
        await state.change { if $0.orders[order.request] == nil { $0.orders[order.request] = order } }
    }

    func lockOrderKeySpec(request: UUID, realm: String) async throws -> String? {
        await state.read { $0.orders[request].flatMap { $0.realm == realm ? $0.keySpec : nil } }
    }

    func hasKey(request: UUID) async throws -> Bool { await state.read { $0.keys[request] != nil } }

    func insertKey(_ key: NewSealedKey) async throws {
        await state.change {
            guard $0.orders[key.request] != nil else { return }
            $0.keys[key.request] = FakeKeygenStore.Key(
                realm: key.realm, stored: StoredKey(sealedKey: key.sealedKey), inserted: key)
        }
    }

    func attachCertificate(request: UUID, realm: String, certificate: String, chain: String) async throws {
        await state.change {
            guard var key = $0.keys[request], key.realm == realm, key.stored.destroyedAt == nil else { return }
            key.stored.certificate = certificate
            key.stored.chain = chain
            $0.keys[request] = key
        }
    }

    func destroyKey(request: UUID, realm: String, cause: KeyDestroyed.Cause) async throws -> Bool {
        await state.change {
            guard var key = $0.keys[request], key.realm == realm, key.stored.destroyedAt == nil else { return false }
            key.stored.sealedKey = nil
            key.stored.destroyedAt = Date()
            key.stored.destroyCause = cause.rawValue
            $0.keys[request] = key
            return true
        }
    }

    func lockExpiredKeys(limit: Int) async throws -> [KeyReference] {
        await state.read { tables in
            tables.keys.filter { $0.value.expired && $0.value.stored.destroyedAt == nil }.prefix(limit)
                .map { KeyReference(request: $0.key, realm: $0.value.realm) }
        }
    }

    func lockKeyForDownload(request: UUID, realm: String, requester: String) async throws -> StoredKey? {
        await state.read { tables in
            guard let key = tables.keys[request], key.realm == realm, tables.orders[request]?.requester == requester
            else { return nil }
            return key.stored
        }
    }

    func markDownloaded(request: UUID) async throws {
        await state.change {
            $0.keys[request]?.stored.sealedKey = nil
            $0.keys[request]?.stored.destroyedAt = Date()
            $0.keys[request]?.stored.destroyCause = KeyDestroyed.Cause.downloaded.rawValue
        }
    }

    func returnDownloadAttempt(request: UUID) async throws {
        await state.change { $0.failedDownloads[request] = max(0, $0.failedDownloads[request, default: 0] - 1) }
    }

    func publish<P: EventPayload>(_ payload: P, about id: UUID, realm: String) async throws {
        await state.change { $0.published.append(payload) }
    }

    func audit(realm: String, actor: String, action: String, target: String, details: String) async throws {
        await state.change {
            $0.audits.append(.init(realm: realm, actor: actor, action: action, target: target, details: details))
        }
    }
}

/// A bundle that says what it was made from, without any crypto.
struct FakeBundleMaker: KeyBundleMaking {
    func bundle(of key: IssuedKey, request: UUID, format: BundleFormat, password: String?) throws -> [UInt8] {
        Array("\(format.rawValue):\(request.lowercasedString):\(key.certificatePEM)".utf8)
    }
}
