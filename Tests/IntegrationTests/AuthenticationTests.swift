import CLMClient
import CLMCrypto
import CLMIdentity
import Foundation
import Testing

/// Bearer tokens against running services: every kind of bad token is a 401 with a problem
/// document and a `WWW-Authenticate` challenge, and only public paths answer without one.
@Suite("Authentication", .serialized, .timeLimit(.minutes(5)))
struct AuthenticationTests {
    /// Signs arbitrary headers and claims with the test identity provider's own key.
    struct Forger {
        let key: PrivateKey
        let keyID: String

        init() throws {
            let pem = try Data(contentsOf: TestIdentity.directory.appendingPathComponent("signing-key.pem"))
            key = try PrivateKey(pkcs8PEM: SensitiveBytes([UInt8](pem)), password: nil)
            keyID = TestIdentity.provider.keyID
        }

        // Untyped on purpose: forged JWT claims, not a CLM API body, and TokenSigner signs [String: Any].
        static func claims(_ changes: [String: Any?] = [:]) -> [String: Any] {
            let now = Date().timeIntervalSince1970.rounded(.down)
            var claims: [String: Any] = [
                "iss": "clm-dev", "aud": "clm", "sub": "mallory@test.example", "iat": now, "nbf": now, "exp": now + 300,
                "clm_roles": ["platform-admin"],
            ]
            for (key, value) in changes { claims[key] = value }
            return claims
        }

        func token(header: [String: Any]? = nil, claims: [String: Any] = Forger.claims()) throws -> String {
            try TokenSigner(privateKey: key, algorithm: .es256, keyID: keyID).sign(header: header, claims: claims)
        }
    }

    static func base64url(_ bytes: [UInt8]) -> String {
        Data(bytes).base64EncodedString().replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
    }

    /// HMAC-SHA256 by the openssl CLI, keyed with `secret` (algorithm-confusion forgeries).
    static func hmacSHA256(key secret: String, message: String) throws -> [UInt8] {
        let result = try run(
            OpenSSL.path, ["dgst", "-sha256", "-mac", "HMAC", "-macopt", "key:\(secret)", "-hex"], input: message)
        guard result.status == 0, let hex = result.stdout.split(separator: " ").last else {
            throw TestSetupError("openssl dgst -mac HMAC failed: \(result.stderr)")
        }
        let digits = Array(hex.trimmingCharacters(in: .whitespacesAndNewlines))
        return stride(from: 0, to: digits.count, by: 2).map { UInt8(String(digits[$0...$0 + 1]), radix: 16)! }
    }

    @Test(
        "expired, not yet valid, wrong issuer or audience, bad signature, alg none, unknown kid, HMAC confusion: all 401"
    )
    func badTokens() async throws {
        let environment = try TestEnvironment.require()
        try await TestStack.with(environment) { stack in
            try await stack["registry"].start()
            let forger = try Forger()
            let now = Date().timeIntervalSince1970.rounded(.down)
            let good = try forger.token()
            let parts = good.split(separator: ".").map(String.init)
            let claimsJSON = try JSONSerialization.data(withJSONObject: Forger.claims(), options: [.sortedKeys])
            let claimsPart = Self.base64url([UInt8](claimsJSON))

            var signature = Array(parts[2])
            signature[10] = signature[10] == "A" ? "B" : "A"
            let stranger = try PrivateKey.generate(.ec(curve: .p256))
            let unknownKid = try TokenSigner(privateKey: stranger, algorithm: .es256, keyID: "not-in-the-jwks")
                .sign(claims: Forger.claims())
            // The JWKS document itself as the HMAC secret: what a confused verifier would use.
            let jwks = String(decoding: TestIdentity.provider.jwksJSON, as: UTF8.self)
            let hmacHeader = Self.base64url(Array(#"{"alg":"HS256","kid":"\#(forger.keyID)","typ":"JWT"}"#.utf8))
            let hmacMAC = try Self.hmacSHA256(key: jwks, message: "\(hmacHeader).\(claimsPart)")
            let noneHeader = Self.base64url(Array(#"{"alg":"none","typ":"JWT"}"#.utf8))

            let cases: [(String, String?)] = [
                ("missing", nil),
                ("not bearer", "Basic YWxpY2U6c2VjcmV0"),
                ("garbage", "Bearer not-a-token"),
                (
                    "expired",
                    "Bearer "
                        + (try forger.token(
                            claims: Forger.claims(["exp": now - 600, "nbf": now - 900, "iat": now - 900])))
                ),
                (
                    "not yet valid",
                    "Bearer " + (try forger.token(claims: Forger.claims(["nbf": now + 600, "exp": now + 900])))
                ),
                (
                    "wrong issuer",
                    "Bearer " + (try forger.token(claims: Forger.claims(["iss": "https://evil.example"])))
                ),
                ("wrong audience", "Bearer " + (try forger.token(claims: Forger.claims(["aud": "someone-else"])))),
                ("no expiry", "Bearer " + (try forger.token(claims: Forger.claims(["exp": nil])))),
                ("bad signature", "Bearer \(parts[0]).\(parts[1]).\(String(signature))"),
                (
                    "claims swapped under a valid signature",
                    "Bearer \(parts[0]).\(claimsPart.dropLast(2))AA.\(parts[2])"
                ),
                ("alg none", "Bearer \(noneHeader).\(claimsPart)."),
                ("unknown kid", "Bearer \(unknownKid)"),
                ("HMAC with the public key", "Bearer \(hmacHeader).\(claimsPart).\(Self.base64url(hmacMAC))"),
            ]
            let registry = stack.client("registry", token: nil)
            for (name, authorization) in cases {
                let answer = try await registry.send(
                    "GET", "/v1/realms", headers: authorization.map { ["Authorization": $0] } ?? [:])
                #expect(answer.status == 401, "\(name): \(answer.status) \(answer.text)")
                #expect(answer.problem?.code == "unauthenticated", "\(name): \(answer.text)")
                let challenge = answer.headers.first { $0.key.lowercased() == "www-authenticate" }?.value ?? ""
                #expect(challenge.hasPrefix("Bearer"), "\(name): WWW-Authenticate '\(challenge)'")
            }
            // The genuine token works, and public paths need none.
            #expect(
                try await registry.send("GET", "/v1/realms", headers: ["Authorization": "Bearer \(good)"]).status == 200
            )
            #expect(try await registry.send("GET", "/health/live").status == 200)
            let metrics = try await registry.send("GET", "/metrics").text
            let failures = metrics.split(separator: "\n").first { $0.hasPrefix("clm_authentication_failures_total") }
            #expect(
                failures.flatMap { Double($0.split(separator: " ").last ?? "") } == Double(cases.count),
                "\(failures ?? "none")")
            // Nothing of a rejected token reaches the log.
            #expect(!stack["registry"].log.contains(parts[2]))
        }
    }
}
