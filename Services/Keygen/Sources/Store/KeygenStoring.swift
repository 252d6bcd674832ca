import CLMContracts
import CLMServiceKit
import Foundation
import Logging

/// What the keygen use cases need from storage; `KeygenStore` is the PostgreSQL one, the unit
/// tests keep theirs in memory.
protocol KeygenStoring: Sendable {
    /// Runs `body` in one transaction with the outbox and the audit trail.
    func transaction<T: Sendable>(logger: Logger, _ body: (any KeygenTransaction) async throws -> T) async throws -> T
    /// Whether the key of `request` exists and still waits for its certificate.
    func isAwaitingCertificate(request: UUID, realm: String, logger: Logger) async throws -> Bool
    /// Takes one of the `limit` guesses of the password chosen for `request`, atomically and
    /// committed at once, before the guess is judged: parallel guesses cannot all see a
    /// count below the limit.
    func claimDownloadAttempt(
        request: UUID, realm: String, requester: String, limit: Int, logger: Logger
    ) async throws -> DownloadClaim
}

/// keygen's tables inside one transaction, with its events and audit records.
protocol KeygenTransaction: TransactionEffects {
    /// Records a server-side order; a second one for the same request changes nothing.
    func insertOrder(_ order: KeyOrderRecord) async throws
    /// The key spec of the order of `request`, locked for the generation; nil without an order.
    func lockOrderKeySpec(request: UUID, realm: String) async throws -> String?
    func hasKey(request: UUID) async throws -> Bool
    /// Stores a generated key; its retention runs from now for the order's retention period.
    func insertKey(_ key: NewSealedKey) async throws
    /// Keeps the issued certificate with a key that still exists.
    func attachCertificate(request: UUID, realm: String, certificate: String, chain: String) async throws
    /// Destroys the key if it still exists; whether it did.
    func destroyKey(request: UUID, realm: String, cause: KeyDestroyed.Cause) async throws -> Bool
    /// Up to `limit` keys past their retention, locked (others' locked ones skipped).
    func lockExpiredKeys(limit: Int) async throws -> [KeyReference]
    /// The key of `request` when `requester` ordered it, locked for the download.
    func lockKeyForDownload(request: UUID, realm: String, requester: String) async throws -> StoredKey?
    /// Deletes the sealed key after its one download.
    func markDownloaded(request: UUID) async throws
    /// Gives back a claimed password attempt that turned out to be the right password.
    func returnDownloadAttempt(request: UUID) async throws
}

/// The outcome of claiming a password attempt.
enum DownloadClaim: Sendable, Equatable {
    /// No password was chosen, or the requester has no such order (the download finds out).
    case notRequired
    /// Attempt `attempt` of the limit is taken; `verifier` judges the guess.
    case claimed(attempt: Int, verifier: String)
    /// All attempts are used up.
    case locked
}

/// A server-side order as recorded from the submission.
struct KeyOrderRecord: Sendable, Equatable {
    var request: UUID
    var realm: String
    var keySpec: String
    var requester: String
    var retentionSeconds: Int?
    var passwordVerifier: String?
}

/// A freshly generated, sealed key.
struct NewSealedKey: Sendable, Equatable {
    var request: UUID
    var realm: String
    var keySpec: String
    var sealedKey: [UInt8]
    var kekID: String
    /// Base64 SubjectPublicKeyInfo.
    var publicKey: String
}

struct KeyReference: Sendable, Equatable {
    var request: UUID
    var realm: String
}

/// A stored key as the download sees it.
struct StoredKey: Sendable, Equatable {
    var sealedKey: [UInt8]?
    var certificate: String?
    var chain: String?
    var destroyedAt: Date?
    /// The stored cause text; keys destroyed before causes were recorded have none.
    var destroyCause: String?

    var state: KeyOrder {
        if destroyedAt != nil || sealedKey == nil {
            return .destroyed(KeyDestroyed.Cause(rawValue: destroyCause ?? "") ?? .downloaded)
        }
        return certificate != nil && chain != nil ? .issued : .generated
    }
}
