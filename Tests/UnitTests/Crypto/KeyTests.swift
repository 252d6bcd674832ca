import Foundation
import Testing

@testable import CLMCrypto

@Suite("Crypto: keys")
struct CryptoKeyTests {
    @Test("KeySpec parses the documented forms and prints a canonical one")
    func keySpecParsing() throws {
        #expect(try KeySpec(parsing: "rsa:3072") == .rsa(bits: 3072))
        #expect(try KeySpec(parsing: "ec:p256") == .ec(curve: .p256))
        #expect(try KeySpec(parsing: "ec:P-384") == .ec(curve: .p384))
        #expect(try KeySpec(parsing: "EC:secp521r1") == .ec(curve: .p521))
        #expect(try KeySpec(parsing: "ed25519") == .ed25519)
        #expect(try KeySpec(parsing: " Ed448 ") == .ed448)
        for spec in KeySpec.allSupported {
            #expect(try KeySpec(parsing: spec.description) == spec)
            #expect(KeySpec(spec.description) == spec)
        }
        #expect(KeySpec.ec(curve: .p256).description == "ec:P-256")
        for bad in ["rsa:1024", "rsa", "ec:p192", "dsa:2048", "", "ed25519:1", "rsa:abc"] {
            #expect(throws: CryptoError(.unsupportedAlgorithm, "")) { try KeySpec(parsing: bad) }
        }
        let json = try JSONEncoder().encode([KeySpec.rsa(bits: 2048), .ec(curve: .p384)])
        #expect(String(decoding: json, as: UTF8.self) == #"["rsa:2048","ec:P-384"]"#)
        #expect(try JSONDecoder().decode([KeySpec].self, from: json) == [.rsa(bits: 2048), .ec(curve: .p384)])
    }

    @Test("every KeySpec generates and round-trips through PKCS#8", arguments: KeySpec.allSupported)
    func generateAndRoundTrip(spec: KeySpec) throws {
        let key = try PrivateKey.generate(spec)
        #expect(key.publicKey.spec == spec)
        #expect(key.publicKey.algorithm == spec.algorithm)
        let der = key.pkcs8DER()
        let reloaded = try PrivateKey(pkcs8DER: der.copyBytes())
        #expect(reloaded.publicKey == key.publicKey)
        #expect(reloaded.pkcs8DER().constantTimeEquals(der))

        let plainPEM = try key.pkcs8PEM(password: nil)
        let plainText = plainPEM.withUnsafeBytes { String(decoding: $0, as: UTF8.self) }
        #expect(plainText.hasPrefix("-----BEGIN PRIVATE KEY-----"))
        #expect(try PrivateKey(pkcs8PEM: plainPEM, password: nil).publicKey == key.publicKey)
    }

    @Test("encrypted PKCS#8 PEM uses PBES2/AES-256-CBC and opens only with the password")
    func encryptedPEM() throws {
        let key = try PrivateKey.generate(.ec(curve: .p256))
        let pem = try key.pkcs8PEM(password: "correct horse")
        let text = pem.withUnsafeBytes { String(decoding: $0, as: UTF8.self) }
        #expect(text.hasPrefix("-----BEGIN ENCRYPTED PRIVATE KEY-----"))
        #expect(try PrivateKey(pkcs8PEM: pem, password: "correct horse").publicKey == key.publicKey)
        #expect(throws: CryptoError(.decryptionFailed, "")) { try PrivateKey(pkcs8PEM: pem, password: "wrong") }

        let scratch = try CryptoScratch()
        try scratch.write("key.pem", text)
        let info = try scratch.opensslOK(["asn1parse", "-in", "key.pem"])
        #expect(info.contains("PBES2"))
        #expect(info.contains("PBKDF2"))
        #expect(info.contains("aes-256-cbc"))
        try scratch.opensslOK(["pkey", "-in", "key.pem", "-passin", "pass:correct horse", "-pubout", "-out", "pub.pem"])
        let cliPublic = try PublicKeyInfo(pem: String(decoding: try scratch.read("pub.pem"), as: UTF8.self))
        #expect(cliPublic == key.publicKey)
    }

    @Test("PublicKeyInfo exposes PEM, spec and an SPKI SHA-256 fingerprint matching openssl")
    func publicKeyInfo() throws {
        let key = try PrivateKey.generate(.ec(curve: .p384))
        let info = key.publicKey
        #expect(info.curve == .p384)
        #expect(info.bits == 384)
        #expect(try PublicKeyInfo(spkiDER: info.spkiDER) == info)
        #expect(try PublicKeyInfo(pem: info.pem) == info)

        let scratch = try CryptoScratch()
        try scratch.write("pub.der", bytes: info.spkiDER)
        let output = try scratch.opensslOK(["dgst", "-sha256", "-r", "pub.der"])
        #expect(output.hasPrefix(info.fingerprintSHA256Hex))
    }

    @Test("PublicKeyInfo rejects weak, unsupported and malformed keys")
    func publicKeyValidation() throws {
        let scratch = try CryptoScratch()
        // RSA-1024: too short.
        try scratch.opensslOK([
            "genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:1024", "-out", "rsa1024.pem",
        ])
        try scratch.opensslOK(["pkey", "-in", "rsa1024.pem", "-pubout", "-outform", "DER", "-out", "rsa1024.der"])
        #expect(throws: CryptoError(.weakKey, "")) { try PublicKeyInfo(spkiDER: try scratch.read("rsa1024.der")) }
        // RSA with e = 3.
        try scratch.opensslOK([
            "genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-pkeyopt", "rsa_keygen_pubexp:3",
            "-out", "rsae3.pem",
        ])
        try scratch.opensslOK(["pkey", "-in", "rsae3.pem", "-pubout", "-outform", "DER", "-out", "rsae3.der"])
        do {
            _ = try PublicKeyInfo(spkiDER: try scratch.read("rsae3.der"))
            Issue.record("e=3 accepted")
        } catch let error as CryptoError {
            #expect(error.code == .weakKey)
            #expect(error.reason.contains("65537"))
        }
        // secp256k1: a curve outside the allowed set.
        try scratch.opensslOK([
            "genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:secp256k1", "-out", "k1.pem",
        ])
        try scratch.opensslOK(["pkey", "-in", "k1.pem", "-pubout", "-outform", "DER", "-out", "k1.der"])
        #expect(throws: CryptoError(.unsupportedAlgorithm, "")) {
            try PublicKeyInfo(spkiDER: try scratch.read("k1.der"))
        }
        // X25519 is a key-agreement key, not a signing key.
        try scratch.opensslOK(["genpkey", "-algorithm", "X25519", "-out", "x.pem"])
        try scratch.opensslOK(["pkey", "-in", "x.pem", "-pubout", "-outform", "DER", "-out", "x.der"])
        #expect(throws: CryptoError(.unsupportedAlgorithm, "")) {
            try PublicKeyInfo(spkiDER: try scratch.read("x.der"))
        }

        // A P-256 point moved off the curve.
        var spki = try PrivateKey.generate(.ec(curve: .p256)).publicKey.spkiDER
        spki[spki.count - 1] ^= 0x01
        #expect(throws: CryptoError.self) { try PublicKeyInfo(spkiDER: spki) }
        // Garbage, empty, trailing bytes.
        #expect(throws: CryptoError(.malformedInput, "")) { try PublicKeyInfo(spkiDER: [0x30, 0x03, 0x01]) }
        #expect(throws: CryptoError(.malformedInput, "")) { try PublicKeyInfo(spkiDER: []) }
        let good = try PrivateKey.generate(.ed25519).publicKey.spkiDER
        #expect(throws: CryptoError(.malformedInput, "")) { try PublicKeyInfo(spkiDER: good + [0]) }
    }

    @Test("private keys and their errors never print key material")
    func redaction() throws {
        let key = try PrivateKey.generate(.ed25519)
        let der = key.pkcs8DER()
        #expect(der.description == "<redacted \(der.count) bytes>")
        #expect("\(der)" == "<redacted \(der.count) bytes>")
        #expect(!String(describing: key).contains(OpenSSLSupport.hex(der.copyBytes())))
        #expect(String(describing: key).contains("redacted"))

        // A wrong password: the error must not echo it or the PEM.
        let pem = try key.pkcs8PEM(password: "s3cret-pass")
        do {
            _ = try PrivateKey(pkcs8PEM: pem, password: "guess-pass")
            Issue.record("wrong password accepted")
        } catch {
            let text = "\(error)"
            #expect(!text.contains("guess-pass"))
            #expect(!text.contains("s3cret-pass"))
            #expect(!text.contains("BEGIN"))
        }
        // Corrupt PKCS#8: the error must not echo the bytes.
        var bytes = der.copyBytes()
        bytes[bytes.count / 2] ^= 0xFF
        bytes.removeLast(4)
        do {
            _ = try PrivateKey(pkcs8DER: bytes)
            Issue.record("corrupt PKCS#8 accepted")
        } catch {
            let text = "\(error)" + String(reflecting: error)
            #expect(!text.contains(OpenSSLSupport.hex(Array(bytes.suffix(16)))))
            #expect(!text.contains(Base64.encode(Array(bytes.suffix(12)))))
        }
    }
}
