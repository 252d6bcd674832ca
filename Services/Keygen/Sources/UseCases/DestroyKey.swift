import CLMContracts
import Foundation

/// Destroys a key before its download, and tells the workflow so the request shows it.
struct DestroyKey: Sendable {
    /// Destroys the key of `request` if it still exists and publishes `clm.key.destroyed.v1`;
    /// whether it did.
    @discardableResult
    func execute(
        request: UUID, realm: String, cause: KeyDestroyed.Cause, reason: String, in tx: any KeygenTransaction
    ) async throws -> Bool {
        guard try await tx.destroyKey(request: request, realm: realm, cause: cause) else { return false }
        try await tx.publish(
            KeyDestroyed(request: request, realm: realm, cause: cause, reason: reason), about: request, realm: realm)
        return true
    }

    /// A key whose certificate will never come has nothing left to wait for.
    func requestEnded(_ failed: RequestFailed, in tx: any KeygenTransaction) async throws {
        try await execute(
            request: failed.request, realm: failed.realm, cause: .requestEnded,
            reason: "request failed before issuance; private key destroyed", in: tx)
    }

    /// A revoked certificate's key must never be handed out: it may be the compromised one.
    func certificateRevoked(_ revoked: CertificateRevoked, in tx: any KeygenTransaction) async throws {
        try await execute(
            request: revoked.request, realm: revoked.realm, cause: .certificateRevoked,
            reason: "certificate \(revoked.serialNumber) revoked (\(revoked.reason.rawValue)); private key destroyed",
            in: tx)
    }
}
