import Foundation
import Testing

@testable import CLMCrypto

@Suite("Crypto: envelope encryption")
struct CryptoEnvelopeEncryptionTests {
    let aad = Array("realm=acme;key=42".utf8)

    @Test("seal/open round-trips with a fresh data key per seal")
    func roundTrip() throws {
        let kek = try KeyEncryptionKey.generate(id: "kek-2025")
        let secret = try PrivateKey.generate(.ec(curve: .p256)).pkcs8DER()
        let first = try kek.seal(secret, associatedData: aad)
        let second = try kek.seal(secret, associatedData: aad)
        #expect(first.kekID == "kek-2025")
        #expect(first.nonce.count == 12 && first.tag.count == 16 && first.wrappedDataKey.count == 60)
        #expect(first.ciphertext.count == secret.count)
        #expect(first.wrappedDataKey != second.wrappedDataKey)
        #expect(first.ciphertext != second.ciphertext)
        #expect(try kek.open(first, associatedData: aad).constantTimeEquals(secret))
        #expect(try kek.open(second, associatedData: aad).constantTimeEquals(secret))

        // Storage forms.
        #expect(try SealedKey(combinedBytes: first.combinedBytes) == first)
        let json = try JSONEncoder().encode(first)
        #expect(try JSONDecoder().decode(SealedKey.self, from: json) == first)
        #expect(
            try kek.open(SealedKey(combinedBytes: first.combinedBytes), associatedData: aad).constantTimeEquals(secret))

        // Empty plaintext works too.
        #expect(try kek.open(kek.seal([], associatedData: []), associatedData: []).count == 0)
    }

    @Test("tampering, wrong AAD and wrong KEK all fail as decryptionFailed")
    func tampering() throws {
        let kek = try KeyEncryptionKey.generate(id: "a")
        let sealed = try kek.seal(Array("top secret".utf8), associatedData: aad)
        func flipped(_ bytes: [UInt8], at index: Int = 0) -> [UInt8] {
            var copy = bytes
            copy[index] ^= 0x01
            return copy
        }
        let variants: [(String, SealedKey, [UInt8], KeyEncryptionKey)] = [
            (
                "ciphertext",
                SealedKey(
                    kekID: "a", wrappedDataKey: sealed.wrappedDataKey, nonce: sealed.nonce,
                    ciphertext: flipped(sealed.ciphertext), tag: sealed.tag), aad, kek
            ),
            (
                "tag",
                SealedKey(
                    kekID: "a", wrappedDataKey: sealed.wrappedDataKey, nonce: sealed.nonce,
                    ciphertext: sealed.ciphertext, tag: flipped(sealed.tag, at: 15)), aad, kek
            ),
            (
                "nonce",
                SealedKey(
                    kekID: "a", wrappedDataKey: sealed.wrappedDataKey, nonce: flipped(sealed.nonce),
                    ciphertext: sealed.ciphertext, tag: sealed.tag), aad, kek
            ),
            (
                "wrapped key",
                SealedKey(
                    kekID: "a", wrappedDataKey: flipped(sealed.wrappedDataKey, at: 20), nonce: sealed.nonce,
                    ciphertext: sealed.ciphertext, tag: sealed.tag), aad, kek
            ),
            (
                "short tag",
                SealedKey(
                    kekID: "a", wrappedDataKey: sealed.wrappedDataKey, nonce: sealed.nonce,
                    ciphertext: sealed.ciphertext, tag: Array(sealed.tag.prefix(8))), aad, kek
            ),
            ("aad", sealed, aad + [0], kek),
            ("empty aad", sealed, [], kek),
            (
                "kek id",
                SealedKey(
                    kekID: "b", wrappedDataKey: sealed.wrappedDataKey, nonce: sealed.nonce,
                    ciphertext: sealed.ciphertext, tag: sealed.tag), aad,
                try KeyEncryptionKey(id: "b", keyBytes: SecureRandom.bytes(32))
            ),
            ("other kek", sealed, aad, try KeyEncryptionKey.generate(id: "a")),
        ]
        for (label, candidate, associatedData, key) in variants {
            #expect(throws: CryptoError(.decryptionFailed, ""), "\(label)") {
                try key.open(candidate, associatedData: associatedData)
            }
        }
    }

    @Test("rewrap moves the data key to a new KEK; only the new KEK opens it")
    func rewrap() throws {
        let old = try KeyEncryptionKey.generate(id: "old")
        let new = try KeyEncryptionKey.generate(id: "new")
        let sealed = try old.seal(Array("payload".utf8), associatedData: aad)
        let moved = try old.rewrap(sealed, to: new)
        #expect(moved.kekID == "new")
        #expect(moved.ciphertext == sealed.ciphertext && moved.tag == sealed.tag && moved.nonce == sealed.nonce)
        #expect(try new.open(moved, associatedData: aad).copyBytes() == Array("payload".utf8))
        #expect(throws: CryptoError(.decryptionFailed, "")) { try old.open(moved, associatedData: aad) }
        #expect(throws: CryptoError(.decryptionFailed, "")) { try new.open(sealed, associatedData: aad) }
        #expect(throws: CryptoError(.decryptionFailed, "")) { try new.rewrap(sealed, to: old) }
    }

    @Test("KEKs must be 32 bytes; base64 configuration is accepted; nothing secret is printed")
    func kekConstruction() throws {
        #expect(throws: CryptoError(.malformedInput, "")) {
            try KeyEncryptionKey(id: "x", keyBytes: SecureRandom.bytes(16))
        }
        #expect(throws: CryptoError(.malformedInput, "")) {
            try KeyEncryptionKey(id: "", keyBytes: SecureRandom.bytes(32))
        }
        #expect(throws: CryptoError(.malformedInput, "")) { try KeyEncryptionKey(id: "x", base64: "not base64!") }
        let raw = SecureRandom.bytes(32)
        let encoded = Data(raw).base64EncodedString()
        let kek = try KeyEncryptionKey(id: "cfg", base64: encoded)
        let sealed = try kek.seal([1, 2, 3], associatedData: [])
        #expect(
            try KeyEncryptionKey(id: "cfg", keyBytes: raw).open(sealed, associatedData: []).copyBytes() == [1, 2, 3])
        #expect(!"\(kek)".contains(encoded))
        #expect(!String(reflecting: kek).contains(encoded))
        do {
            _ = try KeyEncryptionKey(id: "short", base64: Data(raw.prefix(20)).base64EncodedString())
        } catch {
            #expect(!"\(error)".contains(Data(raw.prefix(20)).base64EncodedString()))
        }
    }
}

@Suite("Crypto: utilities")
struct CryptoUtilityTests {
    @Test("SecureRandom returns distinct bytes and base64url tokens")
    func random() {
        #expect(SecureRandom.bytes(0).isEmpty)
        #expect(SecureRandom.bytes(32).count == 32)
        #expect(SecureRandom.bytes(32) != SecureRandom.bytes(32))
        let token = SecureRandom.token(bytes: 32)
        #expect(token.count == 43)
        #expect(token.allSatisfy { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" })
        #expect(SecureRandom.token() != SecureRandom.token())
    }

    @Test("SensitiveBytes never prints its content")
    func sensitiveBytes() {
        let secret = SensitiveBytes(Array("hunter2-hunter2".utf8))
        #expect(secret.count == 15)
        #expect(secret.description == "<redacted 15 bytes>")
        #expect(String(reflecting: secret) == "<redacted 15 bytes>")
        #expect(!"\(secret)".contains("hunter2"))
        #expect(secret.withUnsafeBytes { Array($0) } == Array("hunter2-hunter2".utf8))
        #expect(secret.constantTimeEquals(SensitiveBytes(Array("hunter2-hunter2".utf8))))
        #expect(!secret.constantTimeEquals(SensitiveBytes(Array("hunter2-hunter3".utf8))))
        #expect(SensitiveBytes([]).count == 0)
    }

    @Test("CryptoError compares by code and describes without secrets")
    func errors() {
        #expect(CryptoError(.weakKey, "a") == CryptoError(.weakKey, "b"))
        #expect(CryptoError(.weakKey, "a") != CryptoError(.badSignature, "a"))
        #expect(CryptoError(.decryptionFailed, "x").description == "CryptoError.decryptionFailed: x")
    }

    @Test("PEM encodes in 64-column lines and decodes strictly")
    func pem() throws {
        let der = SecureRandom.bytes(100)
        let text = PEM.encode(label: "TEST", der: der)
        #expect(text.split(separator: "\n").allSatisfy { $0.count <= 64 })
        #expect(try PEM.decode(text, expecting: ["TEST"]) == der)
        #expect(try PEM.decode(text.replacingOccurrences(of: "\n", with: "\r\n"), expecting: ["TEST"]) == der)
        #expect(throws: CryptoError(.malformedInput, "")) { try PEM.decode(text, expecting: ["OTHER"]) }
        #expect(throws: CryptoError(.malformedInput, "")) {
            try PEM.decode(text.replacingOccurrences(of: "END TEST", with: "END OTHER"), expecting: ["TEST"])
        }
        #expect(try PEM.decodeAll(text + "junk between\n" + text).count == 2)
    }

    @Test("OpenSSL version is reported")
    func version() {
        #expect(OpenSSLVersion.current.hasPrefix("OpenSSL 3"))
    }
}
