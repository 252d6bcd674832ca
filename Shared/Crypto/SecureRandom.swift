import COpenSSL

/// Cryptographically secure random bytes from OpenSSL's DRBG.
public enum SecureRandom {
    /// Returns `count` random bytes.
    ///
    /// A failing DRBG leaves nothing safe to do, so this traps rather than returning weak bytes.
    public static func bytes(_ count: Int) -> [UInt8] {
        precondition(count >= 0, "negative byte count")
        guard count > 0 else { return [] }
        var out = [UInt8](repeating: 0, count: count)
        let ok = out.withUnsafeMutableBytes {
            RAND_bytes($0.baseAddress!.assumingMemoryBound(to: UInt8.self), Int32(count))
        }
        precondition(ok == 1, "RAND_bytes failed: the OpenSSL random generator is unusable")
        return out
    }

    /// Returns a random URL-safe token (base64url without padding) made from `bytes` random bytes,
    /// e.g. for e-mail verification links.
    public static func token(bytes count: Int = 32) -> String {
        Base64URL.encode(bytes(count))
    }
}

/// base64url (RFC 4648 §5) without padding.
enum Base64URL {
    static func encode(_ bytes: [UInt8]) -> String {
        var text = Base64.encode(bytes)
        text = text.replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
        while text.hasSuffix("=") { text.removeLast() }
        return text
    }
}
