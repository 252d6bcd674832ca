import CLMContracts
import CLMCrypto
import Foundation
import Testing

@testable import CLMIdentity

@Suite("Identity: token verification")
struct IdentityTokenVerifierTests {
    typealias Fixture = IdentityFixture

    // MARK: Valid tokens

    @Test("a valid token round-trips to the right principal", arguments: JWSAlgorithm.allCases)
    func validToken(algorithm: JWSAlgorithm) throws {
        let issuer = try JWTTestIssuer(algorithm)
        let token = try issuer.token()
        let principal = try issuer.verify(token)
        #expect(principal == Fixture.expectedPrincipal)
        #expect(principal.isPlatformAdmin)
        #expect(principal.roles(in: "acme") == ["requester", "approver"])
        #expect(principal.has("approver", in: "acme"))
        #expect(!principal.has("approver", in: "globex"))
        #expect(principal.roles(in: "initech").isEmpty)

        // The same token verifies against the key set after a trip through its JSON form.
        let published = try JSONWebKeySet(json: try issuer.keySet.json)
        #expect(published.keys.first?.algorithm == algorithm)
        #expect(try Fixture.verifier.verify(token, keys: published, now: Fixture.now) == Fixture.expectedPrincipal)
    }

    @Test("ECDSA signatures in a token are raw r||s of fixed length")
    func ecdsaSignatureLength() throws {
        for (algorithm, length) in [(JWSAlgorithm.es256, 64), (.es384, 96)] {
            let token = try JWTTestIssuer(algorithm).token()
            #expect(JOSEBase64URL.decode(Fixture.segments(token)[2])?.count == length)
        }
    }

    @Test("a token without roles has none, and aud may be an array containing the audience")
    func minimalToken() throws {
        let issuer = try JWTTestIssuer(.es256)
        let token = try issuer.token(
            ["aud": ["other", Fixture.audience]], removing: ["clm_roles", "clm_realms", "iat"])
        let principal = try issuer.verify(token)
        #expect(principal.platformRoles.isEmpty)
        #expect(principal.realmRoles.isEmpty)
        #expect(!principal.isPlatformAdmin)
    }

    // MARK: Time

    @Test("expired beyond the skew is refused; within the skew it is accepted")
    func expiry() throws {
        let issuer = try JWTTestIssuer(.es256)
        Fixture.expectFailure(.expired) {
            _ = try issuer.verify(try issuer.token(["exp": Fixture.now.addingTimeInterval(-61)]))
        }
        #expect(try issuer.verify(try issuer.token(["exp": Fixture.now.addingTimeInterval(-59)])).subject == "alice")
        let strict = TokenVerifier(issuer: Fixture.issuer, audience: Fixture.audience, clockSkew: .zero)
        Fixture.expectFailure(.expired) {
            _ = try issuer.verify(try issuer.token(["exp": Fixture.now.addingTimeInterval(-1)]), verifier: strict)
        }
        #expect(try issuer.verify(try issuer.token(["exp": Fixture.now]), verifier: strict).subject == "alice")
    }

    @Test("nbf in the future beyond the skew is refused; within the skew it is accepted")
    func notBefore() throws {
        let issuer = try JWTTestIssuer(.es256)
        Fixture.expectFailure(.notYetValid) {
            _ = try issuer.verify(try issuer.token(["nbf": Fixture.now.addingTimeInterval(61)]))
        }
        #expect(try issuer.verify(try issuer.token(["nbf": Fixture.now.addingTimeInterval(59)])).subject == "alice")
    }

    @Test("exp is required and must be a number")
    func expRequired() throws {
        let issuer = try JWTTestIssuer(.es256)
        Fixture.expectFailure(.missingClaim) { _ = try issuer.verify(try issuer.token(removing: ["exp"])) }
        Fixture.expectFailure(.malformed) { _ = try issuer.verify(try issuer.token(["exp": "tomorrow"])) }
    }

    // MARK: Issuer, audience, subject

    @Test("a token from another issuer is refused")
    func wrongIssuer() throws {
        let issuer = try JWTTestIssuer(.es256)
        Fixture.expectFailure(.wrongIssuer) {
            _ = try issuer.verify(try issuer.token(["iss": "https://evil.example.test"]))
        }
        Fixture.expectFailure(.missingClaim) { _ = try issuer.verify(try issuer.token(removing: ["iss"])) }
    }

    @Test("a token for another audience is refused, as a string and as an array")
    func wrongAudience() throws {
        let issuer = try JWTTestIssuer(.es256)
        Fixture.expectFailure(.wrongAudience) { _ = try issuer.verify(try issuer.token(["aud": "other-api"])) }
        Fixture.expectFailure(.wrongAudience) {
            _ = try issuer.verify(try issuer.token(["aud": ["other-api", "third"]]))
        }
        Fixture.expectFailure(.wrongAudience) { _ = try issuer.verify(try issuer.token(["aud": [String]()])) }
        Fixture.expectFailure(.missingClaim) { _ = try issuer.verify(try issuer.token(removing: ["aud"])) }
        Fixture.expectFailure(.malformed) { _ = try issuer.verify(try issuer.token(["aud": 42])) }
    }

    @Test("sub is required and must be a non-empty string")
    func missingSubject() throws {
        let issuer = try JWTTestIssuer(.es256)
        Fixture.expectFailure(.missingClaim) { _ = try issuer.verify(try issuer.token(removing: ["sub"])) }
        Fixture.expectFailure(.missingClaim) { _ = try issuer.verify(try issuer.token(["sub": ""])) }
        Fixture.expectFailure(.malformed) { _ = try issuer.verify(try issuer.token(["sub": 7])) }
    }

    @Test("role claims of the wrong shape are malformed")
    func roleClaimShapes() throws {
        let issuer = try JWTTestIssuer(.es256)
        Fixture.expectFailure(.malformed) { _ = try issuer.verify(try issuer.token(["clm_roles": "platform-admin"])) }
        Fixture.expectFailure(.malformed) {
            _ = try issuer.verify(try issuer.token(["clm_realms": ["acme": "approver"]]))
        }
        Fixture.expectFailure(.malformed) { _ = try issuer.verify(try issuer.token(["clm_realms": [["acme"]]])) }
    }

    // MARK: Signatures and algorithms

    @Test("a flipped signature byte or an altered payload fails the signature check", arguments: JWSAlgorithm.allCases)
    func badSignature(algorithm: JWSAlgorithm) throws {
        let issuer = try JWTTestIssuer(algorithm)
        let parts = Fixture.segments(try issuer.token())
        var signature = try #require(JOSEBase64URL.decode(parts[2]))
        signature[signature.count / 2] ^= 0x01
        let flipped = [parts[0], parts[1], JOSEBase64URL.encode(signature)].joined(separator: ".")
        Fixture.expectFailure(.badSignature) { _ = try issuer.verify(flipped) }

        // Claims swapped for an admin's under the original signature.
        let forgedClaims = Fixture.claims(["sub": "mallory"]) as [String: Any]
        let claimsJSON = try JSONValue(any: forgedClaims).serialized
        let altered = [parts[0], JOSEBase64URL.encode(claimsJSON), parts[2]].joined(separator: ".")
        Fixture.expectFailure(.badSignature) { _ = try issuer.verify(altered) }

        // A signature from another key of the same type, under the same kid.
        let impostor = try JWTTestIssuer(algorithm)
        Fixture.expectFailure(.badSignature) { _ = try issuer.verify(try impostor.token()) }
    }

    @Test("ECDSA signatures of the wrong length (e.g. DER) are refused")
    func ecdsaWrongLength() throws {
        let issuer = try JWTTestIssuer(.es256)
        let parts = Fixture.segments(try issuer.token())
        let input = Array("\(parts[0]).\(parts[1])".utf8)
        let der = try issuer.key.sign(input, digest: .sha256)
        let derToken = [parts[0], parts[1], JOSEBase64URL.encode(der)].joined(separator: ".")
        Fixture.expectFailure(.badSignature) { _ = try issuer.verify(derToken) }
        let raw = try #require(JOSEBase64URL.decode(parts[2]))
        let short = [parts[0], parts[1], JOSEBase64URL.encode(Array(raw.dropLast()))].joined(separator: ".")
        Fixture.expectFailure(.badSignature) { _ = try issuer.verify(short) }
        let empty = [parts[0], parts[1], ""].joined(separator: ".")
        Fixture.expectFailure(.badSignature) { _ = try issuer.verify(empty) }
    }

    @Test("alg none is refused, in any spelling, with or without a signature")
    func algNone() throws {
        let issuer = try JWTTestIssuer(.es256)
        let claims = try JSONValue(any: Fixture.claims()).serialized
        for alg in ["none", "None", "NONE", "nOnE"] {
            let header = Array(#"{"alg":"\#(alg)","kid":"key-1","typ":"JWT"}"#.utf8)
            let unsigned = TokenSigner.compact(headerJSON: header, claimsJSON: claims, signature: [])
            Fixture.expectFailure(.unsupportedAlgorithm) { _ = try issuer.verify(unsigned) }
        }
        // The signer itself happily forges the header; the verifier refuses it.
        Fixture.expectFailure(.unsupportedAlgorithm) {
            _ = try issuer.verify(try issuer.token(header: ["alg": "none"]))
        }
        Fixture.expectFailure(.malformed) { _ = try issuer.verify(try issuer.token(header: ["alg": 0])) }
        Fixture.expectFailure(.unsupportedAlgorithm) {
            _ = try issuer.verify(try issuer.token(header: ["alg": "es256"]))
        }
        Fixture.expectFailure(.unsupportedAlgorithm) {
            _ = try issuer.verify(try issuer.token(header: ["alg": "PS256"]))
        }
    }

    @Test(
        "HS256 keyed with the public key's bytes (algorithm confusion) is refused",
        arguments: [JWSAlgorithm.rs256, .es256, .edDSA])
    func hmacConfusion(algorithm: JWSAlgorithm) throws {
        let issuer = try JWTTestIssuer(algorithm)
        let claims = try JSONValue(any: Fixture.claims(["sub": "mallory"])).serialized
        let secrets: [[UInt8]] = [
            issuer.jwk.json, try issuer.keySet.json, Array(issuer.key.publicKey.pem.utf8), issuer.key.publicKey.spkiDER,
        ]
        for hmac in ["HS256", "HS384", "HS512"] {
            let header = Array(#"{"alg":"\#(hmac)","kid":"key-1","typ":"JWT"}"#.utf8)
            for secret in secrets {
                let input = TokenSigner.signingInput(headerJSON: header, claimsJSON: claims)
                let mac = Fixture.hmacSHA256(key: secret, message: input)
                let forged = TokenSigner.compact(headerJSON: header, claimsJSON: claims, signature: mac)
                Fixture.expectFailure(.unsupportedAlgorithm) { _ = try issuer.verify(forged) }
            }
        }
    }

    @Test("a token's alg must match its key's algorithm")
    func algorithmKeyMismatch() throws {
        // RSA key in the set, token claims ES256 (signed with the RSA key regardless).
        let rsa = try JWTTestIssuer(.rs256)
        Fixture.expectFailure(.unsupportedAlgorithm) { _ = try rsa.verify(try rsa.token(header: ["alg": "ES256"])) }
        // P-256 key, token claims ES384.
        let p256 = try JWTTestIssuer(.es256)
        Fixture.expectFailure(.unsupportedAlgorithm) { _ = try p256.verify(try p256.token(header: ["alg": "ES384"])) }
        // Ed25519 key, token claims RS256.
        let ed = try JWTTestIssuer(.edDSA)
        Fixture.expectFailure(.unsupportedAlgorithm) { _ = try ed.verify(try ed.token(header: ["alg": "RS256"])) }
        // A genuine ES256 token verified against a set whose key under that kid is RSA.
        let ecToken = try p256.token()
        Fixture.expectFailure(.unsupportedAlgorithm) { _ = try rsa.verify(ecToken) }
        // The signer refuses to sign with a key that does not fit its algorithm.
        let wrongSigner = TokenSigner(privateKey: rsa.key, algorithm: .es256, keyID: nil)
        #expect(throws: CryptoError(.keyMismatch, "")) { try wrongSigner.sign(claims: Fixture.claims()) }
    }

    // MARK: Key selection

    @Test("kid selects the key; without a kid only a single-key set is usable")
    func keySelection() throws {
        let first = try JWTTestIssuer(.es256, keyID: "first")
        let second = try JWTTestIssuer(.rs256, keyID: "second")
        let both = try JSONWebKeySet(keys: [first.jwk, second.jwk])
        let verifier = Fixture.verifier
        #expect(try verifier.verify(try first.token(), keys: both, now: Fixture.now).subject == "alice")
        #expect(try verifier.verify(try second.token(), keys: both, now: Fixture.now).subject == "alice")

        let anonymous = try JWTTestIssuer(.es256, keyID: nil)
        let noKid = try anonymous.token()
        #expect(
            try verifier.verify(noKid, keys: try JSONWebKeySet(keys: [anonymous.jwk]), now: Fixture.now).subject
                == "alice")
        let anonymousPlusOne = try JSONWebKeySet(keys: [anonymous.jwk, second.jwk])
        Fixture.expectFailure(.unknownKey) { _ = try verifier.verify(noKid, keys: anonymousPlusOne, now: Fixture.now) }

        Fixture.expectFailure(.unknownKey) {
            _ = try verifier.verify(try first.token(header: ["kid": "third"]), keys: both, now: Fixture.now)
        }
        Fixture.expectFailure(.unknownKey) {
            _ = try verifier.verify(try first.token(), keys: try JSONWebKeySet(keys: []), now: Fixture.now)
        }
        Fixture.expectFailure(.malformed) {
            _ = try verifier.verify(try first.token(header: ["kid": 1]), keys: both, now: Fixture.now)
        }
    }

    @Test("critical header extensions are refused")
    func criticalExtensions() throws {
        let issuer = try JWTTestIssuer(.es256)
        Fixture.expectFailure(.malformed) {
            _ = try issuer.verify(try issuer.token(header: ["crit": ["b64"], "b64": false]))
        }
    }

    // MARK: Malformed tokens

    @Test("malformed tokens are refused before any key work")
    func malformedTokens() throws {
        let issuer = try JWTTestIssuer(.es256)
        let token = try issuer.token()
        let parts = Fixture.segments(token)
        let cases: [(String, String)] = [
            ("empty", ""),
            ("two segments", "\(parts[0]).\(parts[1])"),
            ("four segments", token + ".\(parts[2])"),
            ("JWE-like five segments", "\(parts[0])..\(parts[1]).\(parts[2]).\(parts[2])"),
            ("empty header", ".\(parts[1]).\(parts[2])"),
            ("empty payload", "\(parts[0])..\(parts[2])"),
            (
                "standard base64 alphabet",
                token.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/") + "+/"
            ),
            ("padding", "\(parts[0])==.\(parts[1]).\(parts[2])"),
            ("padded signature", "\(parts[0]).\(parts[1]).\(parts[2])="),
            ("whitespace", "\(parts[0]). \(parts[1]).\(parts[2])"),
            ("impossible length", "\(parts[0]).\(parts[1]).A"),
            ("header not JSON", "\(Fixture.base64url("not json")).\(parts[1]).\(parts[2])"),
            ("header is an array", "\(Fixture.base64url(#"["ES256"]"#)).\(parts[1]).\(parts[2])"),
            (
                "header with duplicate alg",
                "\(Fixture.base64url(#"{"alg":"ES256","alg":"none","kid":"key-1"}"#)).\(parts[1]).\(parts[2])"
            ),
            (
                "header with trailing data",
                "\(Fixture.base64url(#"{"alg":"ES256","kid":"key-1"} x"#)).\(parts[1]).\(parts[2])"
            ),
            ("header without alg", "\(Fixture.base64url(#"{"kid":"key-1"}"#)).\(parts[1]).\(parts[2])"),
            ("huge", "\(parts[0]).\(String(repeating: "A", count: 9000)).\(parts[2])"),
        ]
        for (name, text) in cases {
            Fixture.expectFailure(.malformed) {
                _ = try issuer.verify(text)
                Issue.record("\(name) was accepted")
            }
        }
    }

    @Test("base64url with non-zero trailing bits is not canonical and is refused")
    func nonCanonicalBase64() throws {
        #expect(JOSEBase64URL.decode("QQ") == [0x41])
        #expect(JOSEBase64URL.decode("QR") == nil)
        #expect(JOSEBase64URL.decode("QUI") == [0x41, 0x42])
        #expect(JOSEBase64URL.decode("QUJ") == nil)
        #expect(JOSEBase64URL.decode("QUJD") == [0x41, 0x42, 0x43])
        #expect(JOSEBase64URL.decode("Q") == nil)
        #expect(JOSEBase64URL.decode("QQ==") == nil)
        #expect(JOSEBase64URL.decode("+/") == nil)
        #expect(JOSEBase64URL.decode("-w") == [0xFB])
        #expect(JOSEBase64URL.decode("-_") == nil)
        for count in 0..<40 {
            let bytes = SecureRandom.bytes(count)
            #expect(JOSEBase64URL.decode(JOSEBase64URL.encode(bytes)) == bytes)
        }

        let issuer = try JWTTestIssuer(.es256)
        let parts = Fixture.segments(try issuer.token())
        // Replace the last character of the header by one that decodes to the same bytes but
        // with non-zero spare bits (only possible when the segment length is not a multiple of 4).
        let header = parts[0]
        if header.count % 4 != 0, let last = header.last {
            let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
            let index = try #require(alphabet.firstIndex(of: last))
            let twin = String(header.dropLast()) + String(alphabet[index | 1])
            Fixture.expectFailure(.malformed) { _ = try issuer.verify("\(twin).\(parts[1]).\(parts[2])") }
        }
    }

    @Test("signed but malformed claims are refused: not JSON, not an object, too deep, duplicate names")
    func malformedClaims() throws {
        let issuer = try JWTTestIssuer(.es256)
        let header = Array(#"{"alg":"ES256","kid":"key-1"}"#.utf8)
        var deep = #""x""#
        for _ in 0..<20 { deep = "[\(deep)]" }
        let bodies = [
            "not json",
            #"["alice"]"#,
            #"{"iss":"\#(Fixture.issuer)","aud":"\#(Fixture.audience)","sub":"alice","exp":1750000300,"x":\#(deep)}"#,
            #"{"iss":"\#(Fixture.issuer)","aud":"\#(Fixture.audience)","sub":"alice","sub":"admin","exp":1750000300}"#,
            #"{"iss":"\#(Fixture.issuer)","aud":"\#(Fixture.audience)","sub":"al\ud800ice","exp":1750000300}"#,
        ]
        for body in bodies {
            let token = try issuer.signer.sign(headerJSON: header, claimsJSON: Array(body.utf8))
            Fixture.expectFailure(.malformed) { _ = try issuer.verify(token) }
        }
        // The same claims without the problem verify, so the refusals above are about shape.
        let fine = #"{"iss":"\#(Fixture.issuer)","aud":"\#(Fixture.audience)","sub":"al\u0069ce","exp":1750000300}"#
        let token = try issuer.signer.sign(headerJSON: header, claimsJSON: Array(fine.utf8))
        #expect(try issuer.verify(token).subject == "alice")
    }

    @Test("errors never echo the token")
    func errorsHideToken() throws {
        let issuer = try JWTTestIssuer(.es256)
        let token = try issuer.token(["aud": "other-api", "sub": "secret-subject-name"])
        do {
            _ = try issuer.verify(token)
            Issue.record("accepted")
        } catch let error as AuthenticationError {
            #expect(error.code == .wrongAudience)
            for part in Fixture.segments(token) { #expect(!error.description.contains(part)) }
            #expect(!error.description.contains("secret-subject-name"))
            #expect(!error.description.contains("other-api"))
        }
    }
}
