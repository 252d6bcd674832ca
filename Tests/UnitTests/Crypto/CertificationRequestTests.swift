import Foundation
import Testing

@testable import CLMCrypto

@Suite("Crypto: PKCS#10 requests")
struct CryptoCertificationRequestTests {
    /// Makes a CSR with the openssl CLI; returns (PEM bytes, DER bytes, public key DER).
    static func makeCSR(
        _ scratch: CryptoScratch, name: String, newkey: [String]
    ) throws -> (pem: [UInt8], der: [UInt8], spki: [UInt8]) {
        try scratch.opensslOK(
            ["req", "-new"] + newkey + [
                "-nodes", "-subj", "/CN=x/O=Requester", "-keyout", "\(name).key", "-out", "\(name).csr",
            ]
        )
        try scratch.opensslOK(["req", "-in", "\(name).csr", "-outform", "DER", "-out", "\(name).der"])
        try scratch.opensslOK(["pkey", "-in", "\(name).key", "-pubout", "-outform", "DER", "-out", "\(name).pub"])
        return (try scratch.read("\(name).csr"), try scratch.read("\(name).der"), try scratch.read("\(name).pub"))
    }

    static let cases: [(String, [String], KeySpec)] = [
        ("p256", ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256"], .ec(curve: .p256)),
        ("rsa2048", ["-newkey", "rsa:2048"], .rsa(bits: 2048)),
        ("ed25519", ["-newkey", "ed25519"], .ed25519),
    ]

    @Test("CSRs from the openssl CLI parse in PEM and DER and keep only the key", arguments: 0..<3)
    func parsesCLIRequests(index: Int) throws {
        let (name, newkey, spec) = Self.cases[index]
        let scratch = try CryptoScratch()
        let csr = try Self.makeCSR(scratch, name: name, newkey: newkey)

        let fromPEM = try CertificationRequest.parse(csr.pem)
        let fromDER = try CertificationRequest.parse(csr.der)
        #expect(fromPEM == fromDER)
        #expect(fromPEM.publicKey.spkiDER == csr.spki)
        #expect(fromPEM.publicKey.spec == spec)
        #expect(fromPEM.requestedSubject == "O=Requester,CN=x")

        // The legacy "NEW CERTIFICATE REQUEST" label is accepted too.
        let legacy = PEM.encode(label: "NEW CERTIFICATE REQUEST", der: csr.der)
        #expect(try CertificationRequest.parse(pem: legacy) == fromDER)
    }

    @Test("what a CSR asks for besides its key is listed as discarded: subject, extensions, attributes")
    func discarded() throws {
        let scratch = try CryptoScratch()
        try scratch.opensslOK([
            "req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-subj",
            "/CN=evil.example",
            "-addext", "subjectAltName=DNS:evil.example", "-addext", "basicConstraints=critical,CA:TRUE",
            "-keyout", "d.key", "-out", "d.csr",
        ])
        let csr = try CertificationRequest.parse(try scratch.read("d.csr"))
        #expect(
            csr.discarded == [
                "subject CN=evil.example", "extension X509v3 Subject Alternative Name",
                "extension X509v3 Basic Constraints",
            ])
        let bare = try CertificationRequest.parse(Self.makeCSR(scratch, name: "bare", newkey: Self.cases[0].1).der)
        #expect(bare.discarded == ["subject O=Requester,CN=x"])
    }

    @Test("a CSR whose signature was altered fails proof of possession")
    func badSignature() throws {
        let scratch = try CryptoScratch()
        for (name, newkey, _) in Self.cases {
            var der = try Self.makeCSR(scratch, name: name, newkey: newkey).der
            der[der.count - 1] ^= 0x01  // the last byte lies inside the signature BIT STRING
            #expect(throws: CryptoError(.badSignature, ""), "\(name)") { try CertificationRequest.parse(der) }
        }
    }

    @Test("garbage, truncated, empty, mislabelled and oversize input is malformed")
    func malformed() throws {
        let scratch = try CryptoScratch()
        let csr = try Self.makeCSR(scratch, name: "p256", newkey: Self.cases[0].1)
        let pemText = String(decoding: csr.pem, as: UTF8.self)

        var inputs: [(String, [UInt8])] = [
            ("empty", []),
            ("garbage", Array("hello, this is not a CSR".utf8)),
            ("random DER-ish", [0x30] + SecureRandom.bytes(200)),
            ("truncated DER", Array(csr.der.prefix(csr.der.count / 2))),
            ("DER with trailing bytes", csr.der + [0x00, 0x00]),
            ("PEM without END", Array(pemText.components(separatedBy: "-----END").first!.utf8)),
            ("PEM with broken base64", Array(pemText.replacingOccurrences(of: "M", with: "*").utf8)),
            ("oversize", Array(repeating: 0x30, count: CertificationRequest.maximumSize + 1)),
            ("certificate instead of CSR", Array(PEM.encode(label: "CERTIFICATE", der: csr.der).utf8)),
            ("private key instead of CSR", try scratch.read("p256.key")),
        ]
        // Truncated body inside a well-formed PEM frame.
        inputs.append(
            ("truncated PEM body", Array(PEM.encode(label: "CERTIFICATE REQUEST", der: Array(csr.der.prefix(40))).utf8))
        )
        for (label, bytes) in inputs {
            do {
                _ = try CertificationRequest.parse(bytes)
                Issue.record("\(label): accepted")
            } catch let error as CryptoError {
                #expect(error.code == .malformedInput, "\(label): \(error)")
                #expect(!error.reason.isEmpty)
            }
        }
        // The wrong-label reason names both labels.
        do {
            _ = try CertificationRequest.parse(inputs[8].1)
        } catch let error as CryptoError {
            #expect(error.reason.contains("CERTIFICATE REQUEST"))
            #expect(error.reason.contains("\"CERTIFICATE\""))
        }
    }

    @Test("an RSA-1024 CSR is refused as a weak key")
    func weakKey() throws {
        let scratch = try CryptoScratch()
        let csr = try Self.makeCSR(scratch, name: "rsa1024", newkey: ["-newkey", "rsa:1024"])
        #expect(throws: CryptoError(.weakKey, "")) { try CertificationRequest.parse(csr.pem) }
        #expect(throws: CryptoError(.weakKey, "")) { try CertificationRequest.parse(csr.der) }
    }
}
