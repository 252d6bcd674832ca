import Foundation
import Testing

@testable import CLMCrypto

@Suite("Crypto: PKCS#12")
struct CryptoPKCS12Tests {
    @Test("a bundle opens with openssl using the password, with AES-256/PBKDF2 and a SHA-256 MAC")
    func exportOpensWithCLI() throws {
        let chain = try CryptoCertificateBuilderTests.hierarchy()
        let key = try PrivateKey.generate(.ec(curve: .p256))
        let leaf = try CryptoCertificateBuilderTests.leafBuilder(for: key.publicKey).issue(
            issuer: chain.issuing, issuerKey: chain.issuingKey)
        let bundle = try PKCS12.export(
            key: key, certificate: leaf, chain: [chain.issuing], password: "pa55 word", friendlyName: "host")
        #expect(bundle.description.hasPrefix("<redacted"))

        let scratch = try CryptoScratch()
        try scratch.write("b.p12", bytes: bundle.copyBytes())
        let info = try scratch.opensslOK(["pkcs12", "-in", "b.p12", "-passin", "pass:pa55 word", "-info", "-noout"])
        #expect(info.contains("MAC: sha256"))
        #expect(info.contains("PBES2, PBKDF2, AES-256-CBC"))
        let certs = try scratch.opensslOK(["pkcs12", "-in", "b.p12", "-passin", "pass:pa55 word", "-nokeys"])
        #expect(Certificate.parseChain(pem: certs).count == 2)
        try scratch.opensslOK([
            "pkcs12", "-in", "b.p12", "-passin", "pass:pa55 word", "-nocerts", "-nodes", "-out", "k.pem",
        ])
        try scratch.opensslOK(["pkey", "-in", "k.pem", "-pubout", "-out", "pub.pem"])
        #expect(try PublicKeyInfo(pem: String(decoding: try scratch.read("pub.pem"), as: UTF8.self)) == key.publicKey)
        #expect(try scratch.openssl(["pkcs12", "-in", "b.p12", "-passin", "pass:wrong", "-noout"]).status != 0)

        #expect(throws: CryptoError(.keyMismatch, "")) {
            try PKCS12.export(key: chain.issuingKey, certificate: leaf, password: "x")
        }
        #expect(throws: CryptoError(.malformedInput, "")) {
            try PKCS12.export(key: key, certificate: leaf, password: "")
        }
    }
}
