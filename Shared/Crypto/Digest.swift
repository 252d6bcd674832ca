import COpenSSL

/// One-shot message digests.
public enum Digest {
    /// SHA-256 of `bytes` (e.g. to store a verification token only as its hash).
    public static func sha256(_ bytes: [UInt8]) -> [UInt8] {
        OpenSSLSupport.digest(bytes, EVP_sha256())
    }
}
