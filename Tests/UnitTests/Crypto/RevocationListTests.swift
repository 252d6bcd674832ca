import Foundation
import Testing

@testable import CLMCrypto

@Suite("Crypto: revocation lists")
struct CryptoRevocationListTests {
    typealias Builder = CryptoCertificateBuilderTests
    static let now = Builder.now
    static let day = Builder.day

    static func leaf(_ chain: Builder.Hierarchy) throws -> Certificate {
        let key = try PrivateKey.generate(.ec(curve: .p256))
        return try Builder.leafBuilder(for: key.publicKey).issue(issuer: chain.issuing, issuerKey: chain.issuingKey)
    }

    static func crl(number: UInt64, _ entries: [RevokedCertificate] = []) -> RevocationListBuilder {
        RevocationListBuilder(crlNumber: number, thisUpdate: now - 60, nextUpdate: now + 7 * day, entries: entries)
    }

    @Test("a CRL carries its entries, reasons, CRL number and issuer key id as openssl reads them")
    func contents() throws {
        let chain = try Builder.hierarchy()
        let serials = (0..<3).map { _ in SerialNumber.random() }
        let entries = [
            RevokedCertificate(serialNumber: serials[0], revocationDate: Self.now - 3600, reason: .keyCompromise),
            RevokedCertificate(serialNumber: serials[1], revocationDate: Self.now - 7200),
            RevokedCertificate(serialNumber: serials[2], revocationDate: Self.now - 60, reason: .superseded),
        ]
        let crl = try Self.crl(number: 42, entries).sign(issuer: chain.issuing, issuerKey: chain.issuingKey)

        #expect(crl.issuer == chain.issuing.subject)
        #expect(crl.crlNumber == 42)
        #expect(crl.thisUpdate == Self.now - 60)
        #expect(crl.nextUpdate == Self.now + 7 * Self.day)
        #expect(Set(crl.entries) == Set(entries))
        #expect(crl.entries.map(\.serialNumber.hex) == serials.map(\.hex).sorted())
        #expect(crl.isSigned(by: chain.issuing) && !crl.isSigned(by: chain.root))
        #expect(try RevocationList(pem: crl.pem) == crl)

        let scratch = try CryptoScratch()
        try scratch.write("crl.der", bytes: crl.der)
        let text = try scratch.opensslOK(["crl", "-inform", "DER", "-in", "crl.der", "-noout", "-text"])
        #expect(text.contains("Version 2 (0x1)"))
        #expect(text.contains("Signature Algorithm: ecdsa-with-SHA256"))
        #expect(text.contains("X509v3 CRL Number: \n                42"))
        #expect(text.contains("Key Compromise") && text.contains("Superseded"))
        #expect(text.components(separatedBy: "X509v3 CRL Reason Code").count == 3)  // none for unspecified
        for serial in serials {
            #expect(text.contains("Serial Number: \(serial.hex)"))
        }
        try scratch.write("issuing.pem", chain.issuing.pem)
        let issuingText = try scratch.opensslOK(["x509", "-in", "issuing.pem", "-noout", "-text"])
        let issuingSKI = try #require(Builder.extensionValue(issuingText, "X509v3 Subject Key Identifier"))
        #expect(Builder.extensionValue(text, "X509v3 Authority Key Identifier") == issuingSKI)
    }

    @Test("openssl verify accepts a leaf on an empty CRL and refuses it once it is listed")
    func verification() throws {
        let chain = try Builder.hierarchy()
        let leaf = try Self.leaf(chain)
        let scratch = try CryptoScratch()
        try scratch.write("chain.pem", chain.root.pem + chain.issuing.pem)
        try scratch.write("leaf.pem", leaf.pem)
        let arguments = ["verify", "-crl_check", "-CAfile", "chain.pem", "-CRLfile", "crl.pem", "leaf.pem"]

        let empty = try Self.crl(number: 1).sign(issuer: chain.issuing, issuerKey: chain.issuingKey)
        #expect(empty.entries.isEmpty)
        try scratch.write("crl.pem", empty.pem)
        #expect(try scratch.opensslOK(arguments).contains("leaf.pem: OK"))

        let serial = try SerialNumber(hex: leaf.serialNumberHex)
        let revoked = try Self.crl(
            number: 2, [RevokedCertificate(serialNumber: serial, revocationDate: Self.now - 30, reason: .keyCompromise)]
        ).sign(issuer: chain.issuing, issuerKey: chain.issuingKey)
        try scratch.write("crl.pem", revoked.pem)
        let refused = try scratch.openssl(arguments)
        #expect(refused.status != 0)
        #expect(refused.output.contains("certificate revoked"))
    }

    @Test("the signature digest follows the issuer key, as for certificates")
    func digests() throws {
        let cases: [(KeySpec, String)] = [
            (.rsa(bits: 2048), "sha256WithRSAEncryption"), (.ec(curve: .p384), "ecdsa-with-SHA384"),
            (.ec(curve: .p521), "ecdsa-with-SHA512"), (.ed25519, "ED25519"),
        ]
        let scratch = try CryptoScratch()
        for (spec, algorithm) in cases {
            let key = try PrivateKey.generate(spec)
            let root = try CertificateBuilder(
                subject: DistinguishedName([(.commonName, "CRL root \(spec)")]), publicKey: key.publicKey,
                notBefore: Self.now - Self.day, notAfter: Self.now + Self.day, profile: .rootCA
            ).issue(issuer: nil, issuerKey: key)
            let crl = try Self.crl(number: 7).sign(issuer: root, issuerKey: key)
            try scratch.write("root.pem", root.pem)
            try scratch.write("crl.pem", crl.pem)
            let output = try scratch.opensslOK(["crl", "-in", "crl.pem", "-CAfile", "root.pem", "-noout", "-text"])
            #expect(output.contains("verify OK"), "\(spec)")
            #expect(output.contains("Signature Algorithm: \(algorithm)"), "\(spec)")
        }
    }

    @Test("bad serials, bad windows, duplicate entries and mismatched issuer keys are refused")
    func refusals() throws {
        let chain = try Builder.hierarchy()
        #expect(throws: CryptoError(.malformedInput, "")) { try SerialNumber(hex: "not-hex") }
        #expect(throws: CryptoError(.malformedInput, "")) { try SerialNumber(bytes: [0]) }
        #expect(throws: CryptoError(.malformedInput, "")) {
            try SerialNumber(bytes: [UInt8](repeating: 0xFF, count: 21))
        }

        #expect(throws: CryptoError(.keyMismatch, "")) {
            try Self.crl(number: 1).sign(issuer: chain.issuing, issuerKey: chain.rootKey)
        }
        var builder = Self.crl(number: 1)
        builder.nextUpdate = builder.thisUpdate
        #expect(throws: CryptoError(.malformedInput, "")) {
            try builder.sign(issuer: chain.issuing, issuerKey: chain.issuingKey)
        }
        let entry = RevokedCertificate(serialNumber: .random(), revocationDate: Self.now)
        #expect(throws: CryptoError(.malformedInput, "")) {
            try Self.crl(number: 1, [entry, entry]).sign(issuer: chain.issuing, issuerKey: chain.issuingKey)
        }

        // A leaf, and a CA whose key usage lacks cRLSign, may not sign CRLs.
        let leafKey = try PrivateKey.generate(.ec(curve: .p256))
        let leaf = try Builder.leafBuilder(for: leafKey.publicKey).issue(
            issuer: chain.issuing, issuerKey: chain.issuingKey)
        #expect(throws: CryptoError(.malformedInput, "")) {
            try Self.crl(number: 1).sign(issuer: leaf, issuerKey: leafKey)
        }
        let caKey = try PrivateKey.generate(.ec(curve: .p256))
        let noCRLSign = try CertificateBuilder(
            subject: DistinguishedName([(.commonName, "no cRLSign")]), publicKey: caKey.publicKey,
            notBefore: Self.now, notAfter: Self.now + Self.day,
            profile: CertificateProfile(keyUsage: [.keyCertSign], isCA: true)
        ).issue(issuer: chain.root, issuerKey: chain.rootKey)
        #expect(throws: CryptoError(.malformedInput, "")) {
            try Self.crl(number: 1).sign(issuer: noCRLSign, issuerKey: caKey)
        }

        #expect(throws: CryptoError(.malformedInput, "")) { try RevocationList(der: [0x30, 0x00]) }
        #expect(throws: CryptoError(.malformedInput, "")) { try RevocationList(der: chain.issuing.der) }
        #expect(throws: CryptoError(.malformedInput, "")) { try RevocationList(pem: chain.issuing.pem) }
    }

    @Test("reason names and codes are RFC 5280's")
    func reasons() {
        #expect(RevocationReason.allCases.map(\.code) == [0, 1, 3, 4, 5, 9])
        #expect(RevocationReason(rawValue: "cessationOfOperation")?.code == 5)
        #expect(RevocationReason(code: 9) == .privilegeWithdrawn)
        #expect(RevocationReason(code: 2) == nil && RevocationReason(code: 6) == nil)
    }
}
