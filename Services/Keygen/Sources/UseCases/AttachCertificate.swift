import CLMContracts

/// Keeps the issued certificate and chain with the key, so the bundle can be built; a key
/// already destroyed stays destroyed.
struct AttachCertificate: Sendable {
    func execute(_ issued: CertificateIssued, in tx: any KeygenTransaction) async throws {
        try await tx.attachCertificate(
            request: issued.request, realm: issued.realm, certificate: issued.certificate, chain: issued.chain)
    }
}
