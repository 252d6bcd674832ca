import CLMCrypto
import Foundation
import Testing

@testable import CLMIdentity

/// Evidence that tokens and keys agree with other implementations, not just with our own signer:
/// the published RFC examples, and the `openssl` CLI checking signatures we make.
@Suite("Identity: interoperability")
struct IdentityInteroperabilityTests {
    typealias Fixture = IdentityFixture

    static func withFlippedSignatureByte(_ token: String) -> String {
        var parts = Fixture.segments(token)
        var signature = JOSEBase64URL.decode(parts[2]) ?? []
        signature[10] ^= 0x40
        parts[2] = JOSEBase64URL.encode(signature)
        return parts.joined(separator: ".")
    }

    @Test("RFC 7515 A.3: the ES256 example's signature verifies with the example JWK")
    func rfc7515ES256() throws {
        let keys = try JSONWebKeySet(
            json: Array(
                #"{"keys":[{"kty":"EC","crv":"P-256","x":"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU","y":"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0"}]}"#
                    .utf8))
        let token =
            "eyJhbGciOiJFUzI1NiJ9.eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ."
            + "DtEhU3ljbEg8L38VWAfUAqOyKAM6-Xx-F4GawxaepmXFCgfTjDxw5djxLa8ISlSApmWQxfKTUJqPP3-Kg6NU1Q"
        let verifier = TokenVerifier(issuer: "joe", audience: "clm-api")
        let then = Date(timeIntervalSince1970: 1_300_819_380)
        // The example has no aud: failing there means the signature, exp and iss all passed.
        Fixture.expectFailure(.missingClaim) { _ = try verifier.verify(token, keys: keys, now: then) }
        Fixture.expectFailure(.badSignature) {
            _ = try verifier.verify(Self.withFlippedSignatureByte(token), keys: keys, now: then)
        }
        Fixture.expectFailure(.expired) { _ = try verifier.verify(token, keys: keys, now: then.addingTimeInterval(61)) }
    }

    @Test("RFC 8037 A.3/A.4: the Ed25519 example's thumbprint and signature")
    func rfc8037EdDSA() throws {
        let keys = try JSONWebKeySet(
            json: Array(
                #"{"keys":[{"kty":"OKP","crv":"Ed25519","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}]}"#.utf8))
        #expect(keys.keys.first?.thumbprint == "kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k")
        let token =
            "eyJhbGciOiJFZERTQSJ9.RXhhbXBsZSBvZiBFZDI1NTE5IHNpZ25pbmc."
            + "hgyY0il_MGCjP0JzlnLWG1PPOt7-09PGcvMg3AIbQR6dWbhijcNR4ki4iylGjg5BhVsPt9g7sVvpAr_MuM0KAg"
        // The example's payload is plain text, so a verified signature ends in "claims not JSON".
        Fixture.expectFailure(.malformed) { _ = try Fixture.verifier.verify(token, keys: keys) }
        Fixture.expectFailure(.badSignature) {
            _ = try Fixture.verifier.verify(Self.withFlippedSignatureByte(token), keys: keys)
        }
    }

    @Test("openssl verifies the signatures TokenSigner makes", arguments: JWSAlgorithm.allCases)
    func opensslVerifiesOurSignatures(algorithm: JWSAlgorithm) throws {
        let issuer = try JWTTestIssuer(algorithm)
        let parts = Fixture.segments(try issuer.token())
        var signature = try #require(JOSEBase64URL.decode(parts[2]))
        if let integerLength = algorithm.ecdsaIntegerLength {
            signature = try #require(ECDSASignature.der(fromRaw: signature, integerLength: integerLength))
        }
        let scratch = try CryptoScratch()
        try scratch.write("pub.pem", issuer.key.publicKey.pem)
        try scratch.write("input", "\(parts[0]).\(parts[1])")
        try scratch.write("sig", bytes: signature)
        switch algorithm {
        case .edDSA:
            let output = try scratch.opensslOK([
                "pkeyutl", "-verify", "-pubin", "-inkey", "pub.pem", "-rawin", "-in", "input", "-sigfile", "sig",
            ])
            #expect(output.contains("Signature Verified Successfully"))
        case .es256, .es384, .rs256:
            let digest = algorithm == .es384 ? "-sha384" : "-sha256"
            let output = try scratch.opensslOK(["dgst", digest, "-verify", "pub.pem", "-signature", "sig", "input"])
            #expect(output.contains("Verified OK"))
        }
    }
}
