import CLMCrypto
import COpenSSL
import Foundation
import Testing

@testable import CLMIdentity

/// Shared fixtures for the identity tests: a signing key per algorithm, standard claims at a
/// fixed instant, and helpers to forge tokens.
enum IdentityFixture {
    static let issuer = "https://idp.example.test/realms/clm"
    static let audience = "clm-api"
    /// A fixed "now" so expiry checks do not depend on the wall clock.
    static let now = Date(timeIntervalSince1970: 1_750_000_000)
    static let verifier = TokenVerifier(issuer: issuer, audience: audience)

    /// The claims of a valid token at ``now`` (expires 5 minutes later).
    static func claims(_ overrides: [String: Any] = [:], removing removed: Set<String> = []) -> [String: Any] {
        var claims: [String: Any] = [
            "iss": issuer, "aud": audience, "sub": "alice",
            "iat": now, "exp": now.addingTimeInterval(300),
            "clm_roles": ["platform-admin"],
            "clm_realms": ["acme": ["requester", "approver"], "globex": ["viewer"]],
        ]
        for (name, value) in overrides { claims[name] = value }
        for name in removed { claims[name] = nil }
        return claims
    }

    /// The principal ``claims()`` describes.
    static var expectedPrincipal: Principal {
        Principal(
            subject: "alice", issuer: issuer, platformRoles: ["platform-admin"],
            realmRoles: ["acme": ["requester", "approver"], "globex": ["viewer"]],
            expiresAt: now.addingTimeInterval(300))
    }

    static func spec(for algorithm: JWSAlgorithm) -> KeySpec {
        switch algorithm {
        case .es256: .ec(curve: .p256)
        case .es384: .ec(curve: .p384)
        case .edDSA: .ed25519
        case .rs256: .rsa(bits: 2048)
        }
    }

    /// Segments of a compact token.
    static func segments(_ token: String) -> [String] {
        token.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
    }

    static func base64url(_ text: String) -> String { JOSEBase64URL.encode(Array(text.utf8)) }

    /// HMAC-SHA256, to forge HS256 tokens the way an algorithm-confusion attack would.
    static func hmacSHA256(key: [UInt8], message: [UInt8]) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: Int(EVP_MAX_MD_SIZE))
        var length = 0
        let result = key.withUnsafeBytes { keyBytes in
            EVP_Q_mac(
                nil, "HMAC", nil, "SHA256", nil, keyBytes.baseAddress, key.count, message, message.count, &out,
                out.count, &length)
        }
        precondition(result != nil)
        return Array(out.prefix(length))
    }

    /// Asserts that `body` throws an ``AuthenticationError`` with exactly `code`.
    static func expectFailure(
        _ code: AuthenticationError.Code, sourceLocation: SourceLocation = #_sourceLocation, _ body: () throws -> Void
    ) {
        do {
            try body()
            Issue.record(
                "expected AuthenticationError.\(code.rawValue), but nothing was thrown", sourceLocation: sourceLocation)
        } catch let error as AuthenticationError {
            #expect(error.code == code, "\(error)", sourceLocation: sourceLocation)
        } catch {
            Issue.record("expected AuthenticationError.\(code.rawValue), got \(error)", sourceLocation: sourceLocation)
        }
    }

    /// The async form of ``expectFailure(_:sourceLocation:_:)``.
    static func expectFailure(
        _ code: AuthenticationError.Code, sourceLocation: SourceLocation = #_sourceLocation,
        _ body: () async throws -> Void
    ) async {
        do {
            try await body()
            Issue.record(
                "expected AuthenticationError.\(code.rawValue), but nothing was thrown", sourceLocation: sourceLocation)
        } catch let error as AuthenticationError {
            #expect(error.code == code, "\(error)", sourceLocation: sourceLocation)
        } catch {
            Issue.record("expected AuthenticationError.\(code.rawValue), got \(error)", sourceLocation: sourceLocation)
        }
    }
}

/// An issuer under test: one key, its JWK and a signer.
struct JWTTestIssuer {
    let key: PrivateKey
    let jwk: JSONWebKey
    let signer: TokenSigner

    init(_ algorithm: JWSAlgorithm, keyID: String? = "key-1") throws {
        key = try PrivateKey.generate(IdentityFixture.spec(for: algorithm))
        jwk = try JSONWebKey(publicKey: key.publicKey, keyID: keyID)
        signer = TokenSigner(privateKey: key, algorithm: algorithm, keyID: keyID)
    }

    var keySet: JSONWebKeySet {
        get throws { try JSONWebKeySet(keys: [jwk]) }
    }

    /// A token with ``IdentityFixture/claims(_:removing:)`` and optional extra header members.
    func token(
        _ overrides: [String: Any] = [:], removing removed: Set<String> = [], header: [String: Any]? = nil
    ) throws -> String {
        try signer.sign(header: header, claims: IdentityFixture.claims(overrides, removing: removed))
    }

    func verify(_ token: String, verifier: TokenVerifier = IdentityFixture.verifier, now: Date = IdentityFixture.now)
        throws -> Principal
    {
        try verifier.verify(token, keys: keySet, now: now)
    }
}

struct KeySetEndpointUnreachable: Error {}

/// A fake identity provider endpoint: serves a replaceable JWKS and counts fetches.
actor FakeKeySetEndpoint {
    private(set) var document: [UInt8]
    private(set) var fetches = 0
    var failing = false

    init(_ document: [UInt8]) {
        self.document = document
    }

    func publish(_ document: [UInt8]) {
        self.document = document
    }

    func setFailing(_ failing: Bool) {
        self.failing = failing
    }

    func serve() throws -> [UInt8] {
        fetches += 1
        if failing { throw KeySetEndpointUnreachable() }
        return document
    }

    nonisolated var fetch: KeySetCache.Fetch {
        { _ in try await self.serve() }
    }
}
