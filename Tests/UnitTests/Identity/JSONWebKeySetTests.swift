import CLMCrypto
import Foundation
import Testing

@testable import CLMIdentity

@Suite("Identity: JWKS parsing")
struct IdentityJSONWebKeySetTests {
    typealias Fixture = IdentityFixture

    /// The RSA key of RFC 7638 §3.1, whose thumbprint the RFC gives.
    static let rfc7638Modulus =
        "0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw"

    static func parse(_ json: String) throws -> JSONWebKeySet {
        try JSONWebKeySet(json: Array(json.utf8))
    }

    /// An odd number of `bits` bits with the top bit set: an RSA modulus as far as parsing goes.
    static func fakeModulus(bits: Int) -> String {
        var bytes = SecureRandom.bytes(bits / 8)
        bytes[0] |= 0x80
        bytes[bytes.count - 1] |= 0x01
        return JOSEBase64URL.encode(bytes)
    }

    @Test("the RFC 7638 example key parses and has the RFC's thumbprint")
    func rfc7638Thumbprint() throws {
        let set = try Self.parse(
            #"{"keys":[{"kty":"RSA","n":"\#(Self.rfc7638Modulus)","e":"AQAB","alg":"RS256","kid":"2011-04-29"}]}"#)
        let key = try #require(set.key(id: "2011-04-29"))
        #expect(key.algorithm == .rs256)
        #expect(key.publicKey.bits == 2048)
        #expect(key.thumbprint == "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs")
        // Without a kid the thumbprint is the key id.
        let anonymous = try Self.parse(#"{"keys":[{"kty":"RSA","n":"\#(Self.rfc7638Modulus)","e":"AQAB"}]}"#)
        #expect(anonymous.keys.first?.keyID == "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs")
    }

    @Test("published keys carry kty, alg, use and kid and parse back to the same key", arguments: JWSAlgorithm.allCases)
    func publishAndParse(algorithm: JWSAlgorithm) throws {
        let issuer = try JWTTestIssuer(algorithm, keyID: "k")
        let json = String(decoding: issuer.jwk.json, as: UTF8.self)
        #expect(json.contains(#""alg":"\#(algorithm.rawValue)""#))
        #expect(json.contains(#""use":"sig""#))
        #expect(json.contains(#""kid":"k""#))
        #expect(!json.contains(#""d""#))
        let parsed = try JSONWebKeySet(json: try issuer.keySet.json)
        #expect(parsed.keys.count == 1)
        #expect(parsed.key(id: "k")?.publicKey == issuer.key.publicKey)
        #expect(parsed.key(id: "k")?.thumbprint == issuer.jwk.thumbprint)
    }

    @Test("RSA keys below 2048 bits, or with a small exponent, are refused")
    func weakRSA() throws {
        for bits in [1024, 2040] {
            Fixture.expectFailure(.unsupportedAlgorithm) {
                _ = try Self.parse(
                    #"{"keys":[{"kty":"RSA","kid":"a","n":"\#(Self.fakeModulus(bits: bits))","e":"AQAB"}]}"#)
            }
        }
        Fixture.expectFailure(.unsupportedAlgorithm) {
            _ = try Self.parse(#"{"keys":[{"kty":"RSA","kid":"a","n":"\#(Self.rfc7638Modulus)","e":"Aw"}]}"#)
        }
    }

    @Test("unknown key types and curves are refused")
    func unknownTypes() throws {
        let p256 = try JWTTestIssuer(.es256).jwk
        let members = try #require(p256.members["x"]?.stringValue)
        let documents = [
            #"{"keys":[{"kty":"oct","kid":"a","k":"c2VjcmV0"}]}"#,
            #"{"keys":[{"kty":"DSA","kid":"a"}]}"#,
            #"{"keys":[{"kty":"EC","crv":"P-521","kid":"a","x":"\#(members)","y":"\#(members)"}]}"#,
            #"{"keys":[{"kty":"EC","crv":"secp256k1","kid":"a","x":"\#(members)","y":"\#(members)"}]}"#,
            #"{"keys":[{"kty":"OKP","crv":"Ed448","kid":"a","x":"\#(members)"}]}"#,
            #"{"keys":[{"kty":"OKP","crv":"X25519","kid":"a","x":"\#(members)"}]}"#,
        ]
        for document in documents {
            Fixture.expectFailure(.unsupportedAlgorithm) { _ = try Self.parse(document) }
        }
        // A local key without a JWS algorithm cannot be published either.
        Fixture.expectFailure(.unsupportedAlgorithm) {
            _ = try JSONWebKey(publicKey: try PrivateKey.generate(.ec(curve: .p521)).publicKey)
        }
        Fixture.expectFailure(.unsupportedAlgorithm) {
            _ = try JSONWebKey(publicKey: try PrivateKey.generate(.ed448).publicKey)
        }
    }

    @Test("keys not meant for signature verification are skipped, not trusted and not fatal")
    func skippedKeys() throws {
        let signing = String(decoding: try JWTTestIssuer(.es256, keyID: "sig").jwk.json, as: UTF8.self)
        let weak = Self.fakeModulus(bits: 1024)
        let set = try Self.parse(
            #"{"keys":[\#(signing),"#
                + #"{"kty":"RSA","use":"enc","kid":"enc","n":"\#(weak)","e":"AQAB"},"#
                + #"{"kty":"RSA","alg":"RSA-OAEP","kid":"oaep","n":"\#(weak)","e":"AQAB"},"#
                + #"{"kty":"RSA","alg":"PS256","kid":"pss","n":"\#(Self.rfc7638Modulus)","e":"AQAB"},"#
                + #"{"kty":"oct","key_ops":["encrypt"],"kid":"ops","k":"c2VjcmV0"},"#
                + #"{"kty":"oct","alg":"HS256","kid":"hmac","k":"c2VjcmV0"}]}"#)
        #expect(set.keys.map(\.keyID) == ["sig"])
        Fixture.expectFailure(.unknownKey) {
            let rsa = try JWTTestIssuer(.rs256, keyID: "pss")
            _ = try Fixture.verifier.verify(try rsa.token(), keys: set, now: Fixture.now)
        }
    }

    @Test("broken key sets are malformed")
    func malformedSets() throws {
        let issuer = try JWTTestIssuer(.es256, keyID: "a")
        let x = try #require(issuer.jwk.members["x"]?.stringValue)
        let y = try #require(issuer.jwk.members["y"]?.stringValue)
        let xBytes = try #require(JOSEBase64URL.decode(x))
        let short = JOSEBase64URL.encode(Array(xBytes.dropFirst()))
        let documents = [
            "",
            "not json",
            "[]",
            #"{"keys":{}}"#,
            #"{"keys":["a"]}"#,
            #"{"keys":[{"crv":"P-256","x":"\#(x)","y":"\#(y)"}]}"#,
            #"{"keys":[{"kty":"EC","crv":"P-256","x":"\#(x)"}]}"#,
            #"{"keys":[{"kty":"EC","crv":"P-256","x":"\#(short)","y":"\#(y)"}]}"#,
            #"{"keys":[{"kty":"EC","crv":"P-256","x":"\#(x)=","y":"\#(y)"}]}"#,
            #"{"keys":[{"kty":"EC","crv":"P-256","x":"\#(x)","y":"\#(y)","alg":"ES384"}]}"#,
            #"{"keys":[{"kty":"EC","crv":"P-256","x":"\#(x)","y":"\#(y)","kid":7}]}"#,
            #"{"keys":[{"kty":"EC","crv":"P-256","x":"\#(x)","y":"\#(y)","kid":"a"},{"kty":"EC","crv":"P-256","x":"\#(x)","y":"\#(y)","kid":"a"}]}"#,
            #"{"keys":[{"kty":"OKP","crv":"Ed25519","x":"\#(short)"}]}"#,
            #"{"keys":[]} {"#,
            String(repeating: " ", count: JSONWebKeySet.maximumSize) + #"{"keys":[]}"#,
        ]
        for document in documents {
            Fixture.expectFailure(.malformed) { _ = try Self.parse(document) }
        }
    }

    @Test("an EC point that is not on the curve is refused")
    func invalidPoint() throws {
        let issuer = try JWTTestIssuer(.es256)
        let x = try #require(issuer.jwk.members["x"]?.stringValue)
        let yText = try #require(issuer.jwk.members["y"]?.stringValue)
        var y = try #require(JOSEBase64URL.decode(yText))
        y[31] ^= 0x01
        Fixture.expectFailure(.malformed) {
            _ = try Self.parse(#"{"keys":[{"kty":"EC","crv":"P-256","x":"\#(x)","y":"\#(JOSEBase64URL.encode(y))"}]}"#)
        }
    }

    @Test("an empty key set parses and knows no keys")
    func emptySet() throws {
        let set = try Self.parse(#"{"keys":[]}"#)
        #expect(set.keys.isEmpty)
        #expect(set.key(id: "a") == nil)
    }
}
