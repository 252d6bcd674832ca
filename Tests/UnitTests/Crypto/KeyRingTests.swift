import CLMCrypto
import Testing

@Suite("Key ring")
struct KeyRingTests {
    let aad = Array("clm.test".utf8)

    @Test("boxes sealed under a previous KEK open, and re-wrap moves them to the current one")
    func rotation() throws {
        let old = try KeyEncryptionKey.generate(id: "old")
        let new = try KeyEncryptionKey.generate(id: "new")
        let secret = SensitiveBytes(Array("private key bytes".utf8))
        let sealed = try old.seal(secret, associatedData: aad)

        let ring = try KeyRing(current: new, previous: [old])
        #expect(ring.retiredIDs == ["old"])
        #expect(try ring.open(sealed, associatedData: aad).copyBytes() == secret.copyBytes())
        let rewrapped = try ring.rewrap(sealed)
        #expect(rewrapped.kekID == "new")
        #expect(rewrapped.ciphertext == sealed.ciphertext)  // only the data key is re-wrapped

        // The new KEK alone now opens it; the old one no longer does.
        let newOnly = try KeyRing(current: new)
        #expect(try newOnly.open(rewrapped, associatedData: aad).copyBytes() == secret.copyBytes())
        #expect(throws: CryptoError(.decryptionFailed, "")) { try old.open(rewrapped, associatedData: aad) }
        #expect(throws: CryptoError(.decryptionFailed, "")) { try newOnly.open(sealed, associatedData: aad) }
        // Re-wrapping what is already current is a no-op.
        #expect(try newOnly.rewrap(rewrapped) == rewrapped)
    }

    @Test("an id configured twice is refused")
    func duplicateIDs() throws {
        let current = try KeyEncryptionKey.generate(id: "a")
        #expect(throws: CryptoError(.malformedInput, "")) {
            try KeyRing(current: current, previous: [try KeyEncryptionKey.generate(id: "a")])
        }
    }
}
