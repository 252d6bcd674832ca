import CLMContracts
import CLMCrypto
import Foundation

/// Generates the key pair of an approved server-side request, seals it at once (bound to the
/// request id) and publishes only its public key.
struct GenerateKey: Sendable {
    let keys: KeyRing

    /// Nothing happens for a CSR request or an approval seen again. A key spec that cannot be
    /// parsed is refused with `unusable-key-spec`: it never will be.
    func execute(_ approved: RequestApproved, in tx: any KeygenTransaction) async throws {
        guard let specText = try await tx.lockOrderKeySpec(request: approved.request, realm: approved.realm) else {
            return
        }
        guard try await !tx.hasKey(request: approved.request) else { return }
        let spec: KeySpec
        do {
            spec = try KeySpec(parsing: specText)
        } catch {
            throw Problem.invalid(
                "unusable-key-spec", "request \(approved.request) has an unusable key spec '\(specText)'")
        }
        let key = try PrivateKey.generate(spec)
        let sealed = try keys.seal(key.pkcs8DER(), associatedData: SealedKeyBinding.associatedData(approved.request))
        let publicKey = Data(key.publicKey.spkiDER).base64EncodedString()
        try await tx.insertKey(
            NewSealedKey(
                request: approved.request, realm: approved.realm, keySpec: spec.description,
                sealedKey: sealed.combinedBytes, kekID: keys.current.id, publicKey: publicKey))
        try await tx.publish(
            KeyGenerated(
                request: approved.request, realm: approved.realm, keySpec: spec.description, publicKey: publicKey),
            about: approved.request, realm: approved.realm)
        tx.logger.info("key pair generated and sealed", metadata: ["key.spec": "\(spec.description)"])
    }
}
