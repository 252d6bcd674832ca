import CLMCrypto
import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A stand-in identity provider for development and tests: one ES256 signing key kept as an
/// unencrypted PKCS#8 PEM file (mode 0600) next to its public JWKS, and a way to mint tokens.
///
/// Not for production: the key sits unencrypted on disk and anyone who can read it can mint
/// any identity, platform admin included.
public struct DevelopmentIdentityProvider: Sendable {
    /// The private key's file name inside the directory.
    public static let signingKeyFileName = "signing-key.pem"
    /// The public key set's file name inside the directory (serve or point `KeySetCache` at it).
    public static let keySetFileName = "jwks.json"

    /// The signing key's `kid`: its RFC 7638 thumbprint.
    public let keyID: String
    /// The JWKS document holding the public key.
    public let jwksJSON: [UInt8]
    private let signer: TokenSigner

    private init(key: PrivateKey) throws {
        let jwk = try JSONWebKey(publicKey: key.publicKey)
        self.keyID = jwk.keyID
        self.jwksJSON = try JSONWebKeySet(keys: [jwk]).json
        self.signer = TokenSigner(privateKey: key, algorithm: jwk.algorithm, keyID: jwk.keyID)
    }

    /// Loads the provider from `directory`, creating the directory, a new P-256 key and
    /// `jwks.json` when they do not exist. Calling it again (even concurrently) keeps the key.
    /// The key is the source of truth: a missing or stale `jwks.json` is rewritten.
    public static func create(directory: URL) throws -> DevelopmentIdentityProvider {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let keyURL = directory.appendingPathComponent(signingKeyFileName)
        if !FileManager.default.fileExists(atPath: keyURL.path) {
            let key = try PrivateKey.generate(.ec(curve: .p256))
            try writeNewKeyFile(try key.pkcs8PEM(password: nil), to: keyURL)
        }
        let provider = try load(directory: directory)
        let keySetURL = directory.appendingPathComponent(keySetFileName)
        if (try? Data(contentsOf: keySetURL)).map({ [UInt8]($0) }) != provider.jwksJSON {
            try Data(provider.jwksJSON).write(to: keySetURL, options: .atomic)
        }
        return provider
    }

    /// Loads the provider's key from `directory` (`jwks.json` is derived from it, not read).
    ///
    /// - Throws: a file error when the key is missing, ``CryptoError`` when it is not a usable
    ///   P-256 PKCS#8 key.
    public static func load(directory: URL) throws -> DevelopmentIdentityProvider {
        let keyURL = directory.appendingPathComponent(signingKeyFileName)
        let pem = SensitiveBytes([UInt8](try Data(contentsOf: keyURL)))
        let key = try PrivateKey(pkcs8PEM: pem, password: nil)
        guard key.publicKey.spec == .ec(curve: .p256) else {
            throw CryptoError(.unsupportedAlgorithm, "\(signingKeyFileName) must hold a P-256 key for ES256")
        }
        return try DevelopmentIdentityProvider(key: key)
    }

    /// Mints a signed token: `iss`, `sub`, `aud`, `iat` and `nbf` (`now`), `exp` (`now + lifetime`),
    /// a random `jti`, and the role claims `clm_roles` / `clm_realms` when non-empty.
    public func mint(
        subject: String, issuer: String, audience: String, platformRoles: Set<String> = [],
        realmRoles: [String: Set<String>] = [:], lifetime: Duration = .seconds(3600), now: Date = Date()
    ) throws -> String {
        guard !subject.isEmpty else { throw AuthenticationError(.missingClaim, "a token needs a non-empty subject") }
        let issuedAt = now.timeIntervalSince1970.rounded(.down)
        var claims: [String: Any] = [
            "iss": issuer, "sub": subject, "aud": audience,
            "iat": issuedAt, "nbf": issuedAt, "exp": issuedAt + Double(lifetime.components.seconds),
            "jti": SecureRandom.token(bytes: 16),
        ]
        if !platformRoles.isEmpty { claims["clm_roles"] = platformRoles }
        if !realmRoles.isEmpty {
            var realms: [String: Any] = [:]
            for (realm, roles) in realmRoles { realms[realm] = roles }
            claims["clm_realms"] = realms
        }
        return try signer.sign(claims: claims)
    }

    /// Writes the key so that it is never readable by others and never half-written: a
    /// private temporary file (0600, exclusive create) is filled, synced, then linked into
    /// place, which fails rather than overwrites if another process got there first.
    private static func writeNewKeyFile(_ pem: SensitiveBytes, to url: URL) throws {
        let temporary = url.deletingLastPathComponent().appendingPathComponent(
            ".\(signingKeyFileName).\(UUID().uuidString)")
        let descriptor = open(temporary.path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { throw posixError(errno, "creating \(temporary.lastPathComponent)") }
        defer { unlink(temporary.path) }
        let complete = pem.withUnsafeBytes { bytes -> Bool in
            var offset = 0
            while offset < bytes.count {
                let written = write(descriptor, bytes.baseAddress! + offset, bytes.count - offset)
                if written < 0, errno == EINTR { continue }
                guard written > 0 else { return false }
                offset += written
            }
            return fsync(descriptor) == 0
        }
        let writeErrno = errno
        close(descriptor)
        guard complete else { throw posixError(writeErrno, "writing \(temporary.lastPathComponent)") }
        if link(temporary.path, url.path) != 0 {
            // Another process created the key meanwhile; theirs wins and is loaded next.
            guard errno == EEXIST else { throw posixError(errno, "linking \(signingKeyFileName)") }
        }
    }

    private static func posixError(_ code: Int32, _ step: String) -> any Error {
        CocoaError(
            .fileWriteUnknown, userInfo: [NSLocalizedDescriptionKey: "\(step): \(String(cString: strerror(code)))"])
    }
}
