import CLMCrypto
import Testing

@Suite("Loading keys from sensitive bytes")
struct SensitiveKeyLoadingTests {
    @Test(
        "a key sealed, opened and loaded without a plain copy is the same key",
        arguments: [
            KeySpec.ec(curve: .p256), .ed25519, .rsa(bits: 2048),
        ])
    func roundTrip(_ spec: KeySpec) throws {
        let key = try PrivateKey.generate(spec)
        let kek = try KeyEncryptionKey.generate(id: "test")
        let sealed = try kek.seal(key.pkcs8DER(), associatedData: Array("aad".utf8))
        let loaded = try PrivateKey(pkcs8DER: try kek.open(sealed, associatedData: Array("aad".utf8)))
        #expect(loaded.publicKey == key.publicKey)
    }

    @Test("garbage in sensitive bytes is a malformed-input error")
    func garbage() throws {
        let bytes = SensitiveBytes(count: 16) { buffer in
            for index in buffer.indices { buffer[index] = UInt8(index) }
        }
        #expect(throws: CryptoError(.malformedInput, "")) { try PrivateKey(pkcs8DER: bytes) }
    }
}
