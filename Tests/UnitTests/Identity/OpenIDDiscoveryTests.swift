import Foundation
import Testing

@testable import CLMIdentity

/// OpenID Connect discovery of the key set: the configuration document at the issuer's
/// well-known path names `jwks_uri`, after its issuer has been checked.
@Suite("Identity: OpenID Connect discovery of the key set")
struct OpenIDDiscoveryTests {
    typealias Fixture = IdentityFixture
    static let issuer = URL(string: "https://idp.example.test/realms/clm")!

    static func configuration(issuer: String, jwks: String) -> [UInt8] {
        Array(#"{"issuer":"\#(issuer)","jwks_uri":"\#(jwks)","authorization_endpoint":"https://x/a"}"#.utf8)
    }

    @Test("the configuration lives under the issuer's well-known path, one slash between them")
    func configurationURL() {
        #expect(
            OpenIDDiscovery.configurationURL(issuer: Self.issuer).absoluteString
                == "https://idp.example.test/realms/clm/.well-known/openid-configuration")
        #expect(
            OpenIDDiscovery.configurationURL(issuer: URL(string: "http://127.0.0.1:9400/")!).absoluteString
                == "http://127.0.0.1:9400/.well-known/openid-configuration")
    }

    @Test("a token signed with the key the discovered jwks_uri serves is accepted")
    func discovered() async throws {
        let signer = try JWTTestIssuer(.es256, keyID: "k1")
        let documents: [String: [UInt8]] = [
            OpenIDDiscovery.configurationURL(issuer: Self.issuer).absoluteString: Self.configuration(
                issuer: Self.issuer.absoluteString, jwks: "https://keys.example.test/jwks"),
            "https://keys.example.test/jwks": try signer.keySet.json,
        ]
        let fetch: KeySetCache.Fetch = { url in
            guard let document = documents[url.absoluteString] else { throw URLError(.fileDoesNotExist) }
            return document
        }
        let cache = KeySetCache(
            url: OpenIDDiscovery.configurationURL(issuer: Self.issuer),
            fetch: OpenIDDiscovery.keySetFetch(issuer: Self.issuer, fetch: fetch))
        let authenticator = BearerAuthenticator(verifier: Fixture.verifier, keys: cache)
        let principal = try await authenticator.authenticate(
            authorizationHeader: "Bearer \(try signer.token())", now: Fixture.now)
        #expect(principal.subject == "alice")
    }

    @Test("a configuration with another issuer, no jwks_uri, a plain-http one, or not JSON is refused")
    func refused() {
        let cases: [(String, [UInt8])] = [
            ("another issuer", Self.configuration(issuer: "https://evil.example.test", jwks: "https://k/jwks")),
            ("no jwks_uri", Array(#"{"issuer":"https://idp.example.test/realms/clm"}"#.utf8)),
            ("http jwks_uri", Self.configuration(issuer: Self.issuer.absoluteString, jwks: "http://k.example/jwks")),
            ("file jwks_uri", Self.configuration(issuer: Self.issuer.absoluteString, jwks: "file:///etc/passwd")),
            ("not JSON", Array("<html>".utf8)),
            ("an array", Array("[]".utf8)),
        ]
        for (name, document) in cases {
            #expect(throws: KeySetLoadError.self, "\(name)") {
                try OpenIDDiscovery.jwksURI(configuration: document, issuer: Self.issuer)
            }
        }
        // A trailing slash on either side is the same issuer.
        let slash = Self.configuration(issuer: Self.issuer.absoluteString + "/", jwks: "https://k.example/jwks")
        #expect((try? OpenIDDiscovery.jwksURI(configuration: slash, issuer: Self.issuer))?.host == "k.example")
    }
}
