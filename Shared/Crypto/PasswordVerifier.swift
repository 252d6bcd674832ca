import COpenSSL
import Foundation

/// A slow, salted hash of a password (PBKDF2-HMAC-SHA256), so a service can later check that a
/// caller knows the password without ever storing or forwarding it.
///
/// Text form: `pbkdf2-sha256$<iterations>$<salt base64>$<hash base64>`.
public struct PasswordVerifier: Sendable, Equatable, CustomStringConvertible {
    public let iterations: Int
    public let salt: [UInt8]
    public let hash: [UInt8]

    /// Iterations for new verifiers. OWASP suggests 600 000 for PBKDF2-HMAC-SHA256; 210 000
    /// keeps one submission near 0.1 s on a small core while an offline guess stays costly.
    public static let defaultIterations = 210_000

    /// Derives a new verifier with a fresh random salt.
    public static func make(password: String, iterations: Int = defaultIterations) throws -> PasswordVerifier {
        let salt = SecureRandom.bytes(16)
        return PasswordVerifier(
            iterations: iterations, salt: salt, hash: try derive(password, salt: salt, iterations: iterations))
    }

    /// Parses the text form; nil when it is not one.
    public init?(_ text: String) {
        let parts = text.split(separator: "$", omittingEmptySubsequences: false)
        guard parts.count == 4, parts[0] == "pbkdf2-sha256", let iterations = Int(parts[1]),
            (1_000...10_000_000).contains(iterations),
            let salt = Data(base64Encoded: String(parts[2])), salt.count >= 16,
            let hash = Data(base64Encoded: String(parts[3])), hash.count == 32
        else { return nil }
        self.init(iterations: iterations, salt: [UInt8](salt), hash: [UInt8](hash))
    }

    init(iterations: Int, salt: [UInt8], hash: [UInt8]) {
        self.iterations = iterations
        self.salt = salt
        self.hash = hash
    }

    public var description: String {
        "pbkdf2-sha256$\(iterations)$\(Data(salt).base64EncodedString())$\(Data(hash).base64EncodedString())"
    }

    /// Whether `password` is the one this verifier was made from (constant-time comparison).
    public func matches(_ password: String) throws -> Bool {
        let candidate = try Self.derive(password, salt: salt, iterations: iterations)
        return candidate.count == hash.count && CRYPTO_memcmp(candidate, hash, hash.count) == 0
    }

    static func derive(_ password: String, salt: [UInt8], iterations: Int) throws -> [UInt8] {
        let secret = Array(password.utf8)
        var out = [UInt8](repeating: 0, count: 32)
        let ok = PKCS5_PBKDF2_HMAC(
            secret, Int32(secret.count), salt, Int32(salt.count), Int32(iterations), EVP_sha256(), Int32(out.count),
            &out)
        guard ok == 1 else { throw CryptoError(.internalError, "PBKDF2 failed") }
        return out
    }
}
