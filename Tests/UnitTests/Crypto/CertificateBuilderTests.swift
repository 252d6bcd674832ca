import Foundation
import Testing

@testable import CLMCrypto

@Suite("Crypto: certificate building")
struct CryptoCertificateBuilderTests {
    struct Hierarchy {
        let rootKey: PrivateKey
        let root: Certificate
        let issuingKey: PrivateKey
        let issuing: Certificate
    }

    static let now = Date(timeIntervalSince1970: TimeInterval(Int(Date().timeIntervalSince1970)))
    static let day: TimeInterval = 86_400

    /// Root (self-signed, P-384) → issuing CA (P-256).
    static func hierarchy() throws -> Hierarchy {
        let rootKey = try PrivateKey.generate(.ec(curve: .p384))
        let root = try CertificateBuilder(
            subject: DistinguishedName([(.country, "DE"), (.organization, "CLM Test"), (.commonName, "CLM Test Root")]),
            publicKey: rootKey.publicKey,
            notBefore: now - day, notAfter: now + 3650 * day,
            profile: .rootCA
        ).issue(issuer: nil, issuerKey: rootKey)
        let issuingKey = try PrivateKey.generate(.ec(curve: .p256))
        let issuing = try CertificateBuilder(
            subject: DistinguishedName([(.country, "DE"), (.organization, "CLM Test"), (.commonName, "CLM Issuing CA")]
            ),
            publicKey: issuingKey.publicKey,
            notBefore: now - day, notAfter: now + 1825 * day,
            profile: .issuingCA(pathLength: 0)
        ).issue(issuer: root, issuerKey: rootKey)
        return Hierarchy(rootKey: rootKey, root: root, issuingKey: issuingKey, issuing: issuing)
    }

    static func leafBuilder(for key: PublicKeyInfo, serial: SerialNumber = .random()) -> CertificateBuilder {
        CertificateBuilder(
            subject: DistinguishedName([(.organization, "CLM Test"), (.commonName, "host.example.com")]),
            subjectAlternativeNames: [
                .dns("host.example.com"), .dns("*.apps.example.com"), .ip("192.0.2.7"), .ip("2001:db8::1"),
                .email("ops@example.com"), .uri("https://example.com/id"),
            ],
            publicKey: key,
            serialNumber: serial,
            notBefore: now, notAfter: now + 90 * day,
            profile: CertificateProfile(keyUsage: [.digitalSignature], extendedKeyUsage: [.serverAuth, .clientAuth])
        )
    }

    @Test("root → issuing → P-256 leaf verifies with openssl and carries the right extensions")
    func chainVerifies() throws {
        let chain = try Self.hierarchy()
        let leafKey = try PrivateKey.generate(.ec(curve: .p256))
        let serial = SerialNumber.random()
        let leaf = try Self.leafBuilder(for: leafKey.publicKey, serial: serial).issue(
            issuer: chain.issuing, issuerKey: chain.issuingKey)

        // Parsed fields.
        #expect(chain.root.isCA && chain.issuing.isCA && !leaf.isCA)
        #expect(chain.root.subject == "CN=CLM Test Root,O=CLM Test,C=DE")
        #expect(chain.root.issuer == chain.root.subject)
        #expect(leaf.issuer == chain.issuing.subject)
        #expect(leaf.subject == "CN=host.example.com,O=CLM Test")
        #expect(leaf.serialNumberHex == serial.hex)
        #expect(leaf.notBefore == Self.now)
        #expect(leaf.notAfter == Self.now + 90 * Self.day)
        #expect(leaf.publicKey == leafKey.publicKey)
        #expect(leaf.subjectAlternativeNames == Self.leafBuilder(for: leafKey.publicKey).subjectAlternativeNames)
        #expect(leaf.authorityKeyIdentifier == chain.issuing.subjectKeyIdentifier)
        #expect(chain.issuing.authorityKeyIdentifier == chain.root.subjectKeyIdentifier)
        #expect(chain.root.authorityKeyIdentifier == chain.root.subjectKeyIdentifier)
        #expect(leaf.isSigned(by: chain.issuing))
        #expect(!leaf.isSigned(by: chain.root))
        #expect(try Certificate(pem: leaf.pem) == leaf)
        #expect(
            Certificate.parseChain(pem: leaf.pem + chain.issuing.pem + chain.root.pem) == [
                leaf, chain.issuing, chain.root,
            ])

        // openssl agrees.
        let scratch = try CryptoScratch()
        try scratch.write("root.pem", chain.root.pem)
        try scratch.write("issuing.pem", chain.issuing.pem)
        try scratch.write("leaf.pem", leaf.pem)
        let verify = try scratch.opensslOK(["verify", "-CAfile", "root.pem", "-untrusted", "issuing.pem", "leaf.pem"])
        #expect(verify.contains("leaf.pem: OK"))

        let text = try scratch.opensslOK(["x509", "-in", "leaf.pem", "-noout", "-text"])
        #expect(text.contains("X509v3 Basic Constraints: critical\n                CA:FALSE"))
        #expect(text.contains("X509v3 Key Usage: critical\n                Digital Signature"))
        #expect(text.contains("TLS Web Server Authentication, TLS Web Client Authentication"))
        #expect(text.contains("X509v3 Subject Alternative Name: \n"))  // non-critical: subject is not empty
        #expect(
            text.contains(
                "DNS:host.example.com, DNS:*.apps.example.com, IP Address:192.0.2.7, IP Address:2001:DB8:0:0:0:0:0:1, email:ops@example.com, URI:https://example.com/id"
            ))
        #expect(text.contains("Signature Algorithm: ecdsa-with-SHA256"))
        #expect(text.contains("Version: 3 (0x2)"))
        let leafSKI = try #require(Self.extensionValue(text, "X509v3 Subject Key Identifier"))
        let leafAKI = try #require(Self.extensionValue(text, "X509v3 Authority Key Identifier"))

        let issuingText = try scratch.opensslOK(["x509", "-in", "issuing.pem", "-noout", "-text"])
        let issuingSKI = try #require(Self.extensionValue(issuingText, "X509v3 Subject Key Identifier"))
        #expect(leafAKI == issuingSKI)
        #expect(leafSKI != issuingSKI)
        #expect(issuingText.contains("CA:TRUE, pathlen:0"))
        #expect(issuingText.contains("Signature Algorithm: ecdsa-with-SHA384"))  // signed by the P-384 root
        #expect(issuingText.contains("Certificate Sign, CRL Sign"))
    }

    @Test("an Ed25519 leaf under the EC CA, and RSA and Ed448 issuing CAs")
    func otherAlgorithms() throws {
        let chain = try Self.hierarchy()
        let scratch = try CryptoScratch()
        try scratch.write("root.pem", chain.root.pem)
        try scratch.write("issuing.pem", chain.issuing.pem)

        let edKey = try PrivateKey.generate(.ed25519)
        let edLeaf = try Self.leafBuilder(for: edKey.publicKey).issue(
            issuer: chain.issuing, issuerKey: chain.issuingKey)
        #expect(edLeaf.publicKey.algorithm == .ed25519)
        try scratch.write("ed.pem", edLeaf.pem)
        #expect(
            try scratch.opensslOK(["verify", "-CAfile", "root.pem", "-untrusted", "issuing.pem", "ed.pem"]).contains(
                "OK"))

        // RSA issuing CA under the EC root, signing a P-521 leaf (SHA-256 with RSA).
        let rsaKey = try PrivateKey.generate(.rsa(bits: 2048))
        let rsaCA = try CertificateBuilder(
            subject: DistinguishedName([(.commonName, "CLM RSA Issuing CA")]),
            publicKey: rsaKey.publicKey, notBefore: Self.now, notAfter: Self.now + 365 * Self.day,
            profile: .issuingCA()
        ).issue(issuer: chain.root, issuerKey: chain.rootKey)
        let p521Key = try PrivateKey.generate(.ec(curve: .p521))
        let rsaLeaf = try Self.leafBuilder(for: p521Key.publicKey).issue(issuer: rsaCA, issuerKey: rsaKey)
        try scratch.write("rsaca.pem", rsaCA.pem)
        try scratch.write("rsaleaf.pem", rsaLeaf.pem)
        #expect(
            try scratch.opensslOK(["verify", "-CAfile", "root.pem", "-untrusted", "rsaca.pem", "rsaleaf.pem"]).contains(
                "OK"))
        #expect(
            try scratch.opensslOK(["x509", "-in", "rsaleaf.pem", "-noout", "-text"]).contains("sha256WithRSAEncryption")
        )

        // A self-signed P-521 root signs with SHA-512; an Ed448 root with Ed448.
        let p521Root = try CertificateBuilder(
            subject: DistinguishedName([(.commonName, "P-521 root")]), publicKey: p521Key.publicKey,
            notBefore: Self.now, notAfter: Self.now + Self.day, profile: .rootCA
        ).issue(issuer: nil, issuerKey: p521Key)
        try scratch.write("p521.pem", p521Root.pem)
        #expect(try scratch.opensslOK(["x509", "-in", "p521.pem", "-noout", "-text"]).contains("ecdsa-with-SHA512"))
        let ed448Key = try PrivateKey.generate(.ed448)
        let ed448Root = try CertificateBuilder(
            subject: DistinguishedName([(.commonName, "Ed448 root")]), publicKey: ed448Key.publicKey,
            notBefore: Self.now, notAfter: Self.now + Self.day, profile: .rootCA
        ).issue(issuer: nil, issuerKey: ed448Key)
        try scratch.write("ed448.pem", ed448Root.pem)
        #expect(try scratch.opensslOK(["verify", "-CAfile", "ed448.pem", "ed448.pem"]).contains("OK"))
    }

    @Test("SAN-only leaf marks subjectAltName critical")
    func sanOnly() throws {
        let chain = try Self.hierarchy()
        let key = try PrivateKey.generate(.ec(curve: .p256))
        var builder = Self.leafBuilder(for: key.publicKey)
        builder.subject = DistinguishedName()
        let leaf = try builder.issue(issuer: chain.issuing, issuerKey: chain.issuingKey)
        #expect(leaf.subject == "")
        let scratch = try CryptoScratch()
        try scratch.write("leaf.pem", leaf.pem)
        let text = try scratch.opensslOK(["x509", "-in", "leaf.pem", "-noout", "-text"])
        #expect(text.contains("X509v3 Subject Alternative Name: critical"))
    }

    @Test("the builder refuses bad inputs")
    func refusals() throws {
        let chain = try Self.hierarchy()
        let key = try PrivateKey.generate(.ec(curve: .p256))
        var builder = Self.leafBuilder(for: key.publicKey)

        builder.notAfter = builder.notBefore
        #expect(throws: CryptoError(.malformedInput, "")) {
            try builder.issue(issuer: chain.issuing, issuerKey: chain.issuingKey)
        }
        builder = Self.leafBuilder(for: key.publicKey)
        // Wrong issuer key.
        #expect(throws: CryptoError(.keyMismatch, "")) {
            try builder.issue(issuer: chain.issuing, issuerKey: chain.rootKey)
        }
        // Self-signed with a foreign key.
        #expect(throws: CryptoError(.keyMismatch, "")) { try builder.issue(issuer: nil, issuerKey: chain.rootKey) }
        // Issuer that is not a CA.
        let leaf = try builder.issue(issuer: chain.issuing, issuerKey: chain.issuingKey)
        #expect(throws: CryptoError(.malformedInput, "")) { try builder.issue(issuer: leaf, issuerKey: key) }
        // No subject, no SANs.
        builder.subject = DistinguishedName()
        builder.subjectAlternativeNames = []
        #expect(throws: CryptoError(.malformedInput, "")) {
            try builder.issue(issuer: chain.issuing, issuerKey: chain.issuingKey)
        }
        // Bad SAN values cannot inject anything.
        for bad: SubjectAlternativeName in [
            .ip("300.1.1.1"), .dns("a.example.com,DNS:evil.com"), .dns(""), .email("no-at"), .dns("bücher.de"),
            .dns("-a.example"), .dns("a..example"), .dns("*"), .dns("a.*.example"),
        ] {
            builder = Self.leafBuilder(for: key.publicKey)
            builder.subjectAlternativeNames = [bad]
            #expect(throws: CryptoError(.malformedInput, ""), "\(bad)") {
                try builder.issue(issuer: chain.issuing, issuerKey: chain.issuingKey)
            }
        }
        // Country must be two letters.
        builder = Self.leafBuilder(for: key.publicKey)
        builder.subject = DistinguishedName([(.country, "Germany")])
        #expect(throws: CryptoError(.malformedInput, "")) {
            try builder.issue(issuer: chain.issuing, issuerKey: chain.issuingKey)
        }
    }

    @Test("subject values with DN metacharacters are encoded literally")
    func subjectEscaping() throws {
        let key = try PrivateKey.generate(.ed25519)
        let cert = try CertificateBuilder(
            subject: DistinguishedName([(.organization, "Acme, Inc."), (.commonName, "a+b=c")]),
            publicKey: key.publicKey, notBefore: Self.now, notAfter: Self.now + Self.day, profile: .tlsClient
        ).issue(issuer: nil, issuerKey: key)
        #expect(cert.subject == #"CN=a\+b=c,O=Acme\, Inc."#)
    }

    @Test("serial numbers are positive, 16 bytes, non-zero and distinct")
    func serialNumbers() throws {
        var seen = Set<SerialNumber>()
        for _ in 0..<1000 {
            let serial = SerialNumber.random()
            #expect(serial.bytes.count == 16)
            #expect(serial.bytes[0] & 0x80 == 0)
            #expect(serial.bytes[0] != 0)
            #expect(serial.hex.count == 32)
            seen.insert(serial)
        }
        #expect(seen.count == 1000)
        let serial = SerialNumber.random()
        #expect(try SerialNumber(hex: serial.hex) == serial)
        #expect(throws: CryptoError(.malformedInput, "")) { try SerialNumber(bytes: [0, 0]) }
        #expect(throws: CryptoError(.malformedInput, "")) { try SerialNumber(hex: "xyz") }

        // DER INTEGER of 16 content octets, positive, as openssl sees it.
        let key = try PrivateKey.generate(.ed25519)
        let cert = try CertificateBuilder(
            subject: DistinguishedName([(.commonName, "serial")]), publicKey: key.publicKey, serialNumber: serial,
            notBefore: Self.now, notAfter: Self.now + Self.day, profile: .tlsClient
        ).issue(issuer: nil, issuerKey: key)
        let scratch = try CryptoScratch()
        try scratch.write("c.pem", cert.pem)
        let output = try scratch.opensslOK(["x509", "-in", "c.pem", "-noout", "-serial"])
        #expect(output.trimmingCharacters(in: .whitespacesAndNewlines) == "serial=\(serial.hex)")
    }

    @Test("certificate parsing rejects garbage and wrong PEM labels")
    func certificateParsing() throws {
        #expect(throws: CryptoError(.malformedInput, "")) { try Certificate(der: [0x30, 0x00]) }
        #expect(throws: CryptoError(.malformedInput, "")) { try Certificate(der: []) }
        #expect(throws: CryptoError(.malformedInput, "")) { try Certificate(pem: "nothing here") }
        #expect(throws: CryptoError(.malformedInput, "")) {
            try Certificate(pem: PEM.encode(label: "PUBLIC KEY", der: [0x30, 0x00]))
        }
        #expect(Certificate.parseChain(pem: "junk").isEmpty)
    }

    /// The hex line following an extension heading in `openssl x509 -text` output (keyid: prefix dropped).
    static func extensionValue(_ text: String, _ heading: String) -> String? {
        let lines = text.components(separatedBy: "\n")
        guard let index = lines.firstIndex(where: { $0.contains(heading) }), index + 1 < lines.count else { return nil }
        var value = lines[index + 1].trimmingCharacters(in: .whitespaces)
        if value.hasPrefix("keyid:") { value.removeFirst(6) }
        return value
    }
}
