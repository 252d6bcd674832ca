import CLMCrypto
import Foundation
import Testing

@testable import Keygen

@Suite("Keygen: KeyBundleMaker")
struct KeygenKeyBundleMakerTests {
    static let password = "correct horse battery staple"

    /// A sealed key of `request` with its certificate and chain, as keygen stores them.
    static func issued(_ request: UUID, ring: KeyRing) throws -> (IssuedKey, PrivateKey) {
        let chain = try CryptoCertificateBuilderTests.hierarchy()
        let key = try PrivateKey.generate(.ec(curve: .p256))
        let leaf = try CryptoCertificateBuilderTests.leafBuilder(for: key.publicKey)
            .issue(issuer: chain.issuing, issuerKey: chain.issuingKey)
        let sealed = try ring.seal(key.pkcs8DER(), associatedData: SealedKeyBinding.associatedData(request))
        let issued = IssuedKey(
            sealedKey: sealed.combinedBytes, certificatePEM: leaf.pem, chainPEM: chain.issuing.pem + chain.root.pem)
        return (issued, key)
    }

    @Test("PKCS#12 and encrypted PEM hold the key of the sealed box, which opens only for its request")
    func bundles() throws {
        let ring = try KeyRing(current: try KeyEncryptionKey.generate(id: "kek-1"))
        let request = UUID()
        let (issued, key) = try Self.issued(request, ring: ring)
        let maker = KeyBundleMaker(keys: ring)

        let pem = String(
            decoding: try maker.bundle(of: issued, request: request, format: .pem, password: Self.password),
            as: UTF8.self)
        #expect(pem.hasPrefix(issued.certificatePEM + issued.chainPEM))
        #expect(pem.contains("BEGIN ENCRYPTED PRIVATE KEY"))
        let plain = String(
            decoding: try maker.bundle(of: issued, request: request, format: .pem, password: nil), as: UTF8.self)
        #expect(plain.contains("BEGIN PRIVATE KEY"))

        let p12 = try maker.bundle(of: issued, request: request, format: .pkcs12, password: Self.password)
        let scratch = try CryptoScratch()
        try scratch.write("b.p12", bytes: p12)
        try scratch.opensslOK([
            "pkcs12", "-in", "b.p12", "-passin", "pass:\(Self.password)", "-nocerts", "-nodes", "-out", "k.pem",
        ])
        try scratch.opensslOK(["pkey", "-in", "k.pem", "-pubout", "-out", "pub.pem"])
        #expect(try PublicKeyInfo(pem: String(decoding: try scratch.read("pub.pem"), as: UTF8.self)) == key.publicKey)

        #expect(throws: (any Error).self) { try maker.bundle(of: issued, request: UUID(), format: .pem, password: nil) }
    }
}
