import CLMCrypto
import Foundation
import Testing

@testable import CLMIdentity

@Suite("Identity: key set cache and bearer authentication")
struct IdentityKeySetCacheTests {
    typealias Fixture = IdentityFixture
    static let url = URL(string: "https://idp.example.test/jwks")!

    @Test("an unknown kid triggers a refresh that finds a rotated-in key")
    func rotation() async throws {
        let old = try JWTTestIssuer(.es256, keyID: "old")
        let new = try JWTTestIssuer(.es256, keyID: "new")
        let endpoint = FakeKeySetEndpoint(try old.keySet.json)
        let cache = KeySetCache(url: Self.url, minimumRefreshInterval: .zero, fetch: endpoint.fetch)
        let authenticator = BearerAuthenticator(verifier: Fixture.verifier, keys: cache)

        #expect(
            try await authenticator.authenticate(authorizationHeader: "Bearer \(try old.token())", now: Fixture.now)
                .subject == "alice")
        #expect(await endpoint.fetches == 1)
        // A known kid is served from the cache.
        _ = try await authenticator.authenticate(authorizationHeader: "Bearer \(try old.token())", now: Fixture.now)
        #expect(await endpoint.fetches == 1)

        // The provider rotates; the first token with the new kid causes exactly one fetch.
        await endpoint.publish(try JSONWebKeySet(keys: [old.jwk, new.jwk]).json)
        #expect(
            try await authenticator.authenticate(authorizationHeader: "Bearer \(try new.token())", now: Fixture.now)
                .subject == "alice")
        #expect(await endpoint.fetches == 2)
        _ = try await authenticator.authenticate(authorizationHeader: "Bearer \(try new.token())", now: Fixture.now)
        #expect(await endpoint.fetches == 2)
    }

    @Test("refreshes for unknown kids are rate-limited")
    func rateLimited() async throws {
        let old = try JWTTestIssuer(.es256, keyID: "old")
        let new = try JWTTestIssuer(.es256, keyID: "new")
        let endpoint = FakeKeySetEndpoint(try old.keySet.json)
        let cache = KeySetCache(url: Self.url, minimumRefreshInterval: .seconds(3600), fetch: endpoint.fetch)
        let authenticator = BearerAuthenticator(verifier: Fixture.verifier, keys: cache)
        _ = try await cache.keys(forKeyID: "old")
        await endpoint.publish(try JSONWebKeySet(keys: [old.jwk, new.jwk]).json)

        for kid in ["new", "made-up-1", "made-up-2"] {
            let token = try new.token(header: ["kid": kid])
            await Fixture.expectFailure(.unknownKey) {
                _ = try await authenticator.authenticate(authorizationHeader: "Bearer \(token)", now: Fixture.now)
            }
        }
        #expect(await endpoint.fetches == 1)
        // Tokens naming a known key, or no kid, never cause a fetch either.
        _ = try await cache.keys(forKeyID: nil)
        _ = try await cache.keys(forKeyID: "old")
        #expect(await endpoint.fetches == 1)
    }

    @Test("concurrent refreshes share one fetch")
    func coalesced() async throws {
        let issuer = try JWTTestIssuer(.es256, keyID: "k")
        let endpoint = FakeKeySetEndpoint(try issuer.keySet.json)
        let cache = KeySetCache(url: Self.url, minimumRefreshInterval: .seconds(3600), fetch: endpoint.fetch)
        try await withThrowingTaskGroup(of: Int.self) { group in
            for _ in 0..<20 {
                group.addTask { try await cache.keys(forKeyID: "k").keys.count }
            }
            for try await count in group { #expect(count == 1) }
        }
        #expect(await endpoint.fetches == 1)
    }

    @Test("a failed first load throws KeySetLoadError; a failed refresh keeps the known keys")
    func failures() async throws {
        let issuer = try JWTTestIssuer(.es256, keyID: "k")
        let endpoint = FakeKeySetEndpoint(try issuer.keySet.json)
        await endpoint.setFailing(true)
        let cache = KeySetCache(
            url: URL(string: "https://user:secret@idp.example.test/jwks?x=1")!, minimumRefreshInterval: .zero,
            fetch: endpoint.fetch)
        do {
            _ = try await cache.keys(forKeyID: "k")
            Issue.record("loaded from a failing endpoint")
        } catch let error as KeySetLoadError {
            #expect(error.source == "https://idp.example.test/jwks")
            #expect(!error.description.contains("secret"))
        }

        await endpoint.setFailing(false)
        #expect(try await cache.keys(forKeyID: "k").keys.count == 1)
        await endpoint.setFailing(true)
        let fetchesBefore = await endpoint.fetches
        #expect(try await cache.keys(forKeyID: "other").key(id: "k") != nil)
        #expect(await endpoint.fetches == fetchesBefore + 1)

        // A document that is not a usable key set is a load error too, not an authentication error.
        await endpoint.setFailing(false)
        await endpoint.publish(Array(#"{"keys":[{"kty":"oct","k":"c2VjcmV0"}]}"#.utf8))
        let fresh = KeySetCache(url: Self.url, fetch: endpoint.fetch)
        await #expect(throws: KeySetLoadError.self) { _ = try await fresh.keys(forKeyID: nil) }
    }

    @Test("the default fetch reads file:// URLs and refuses other schemes")
    func defaultFetch() async throws {
        let issuer = try JWTTestIssuer(.edDSA, keyID: "file-key")
        let scratch = try CryptoScratch()
        try scratch.write("jwks.json", bytes: try issuer.keySet.json)
        let cache = KeySetCache(url: URL(fileURLWithPath: scratch.path("jwks.json")))
        #expect(try await cache.keys(forKeyID: "file-key").keys.count == 1)

        let missing = KeySetCache(url: URL(fileURLWithPath: scratch.path("absent.json")))
        await #expect(throws: KeySetLoadError.self) { _ = try await missing.keys(forKeyID: nil) }
        let ftp = KeySetCache(url: URL(string: "ftp://idp.example.test/jwks")!)
        await #expect(throws: KeySetLoadError.self) { _ = try await ftp.keys(forKeyID: nil) }
    }

    @Test("the Authorization header must carry a Bearer token")
    func headerParsing() async throws {
        let issuer = try JWTTestIssuer(.rs256, keyID: "k")
        let endpoint = FakeKeySetEndpoint(try issuer.keySet.json)
        let authenticator = BearerAuthenticator(
            verifier: Fixture.verifier, keys: KeySetCache(url: Self.url, fetch: endpoint.fetch))
        let token = try issuer.token()

        for header in [nil, "", "   ", "Basic YWxpY2U6c2VjcmV0", "Token \(token)"] as [String?] {
            await Fixture.expectFailure(.missing) {
                _ = try await authenticator.authenticate(authorizationHeader: header, now: Fixture.now)
            }
        }
        for header in ["Bearer", "Bearer   ", "Bearer a b", "Bearer \(token) extra", "Bearer not-a-jwt"] {
            await Fixture.expectFailure(.malformed) {
                _ = try await authenticator.authenticate(authorizationHeader: header, now: Fixture.now)
            }
        }
        for header in ["Bearer \(token)", "bearer \(token)", "BEARER  \(token) "] {
            #expect(
                try await authenticator.authenticate(authorizationHeader: header, now: Fixture.now)
                    == Fixture.expectedPrincipal)
        }
        // Refused tokens do not reach the key set endpoint.
        let fetches = await endpoint.fetches
        await Fixture.expectFailure(.unsupportedAlgorithm) {
            _ = try await authenticator.authenticate(
                authorizationHeader: "Bearer \(try issuer.token(header: ["alg": "none", "kid": "x"]))")
        }
        #expect(await endpoint.fetches == fetches)
        await Fixture.expectFailure(.expired) {
            _ = try await authenticator.authenticate(
                authorizationHeader: "Bearer \(token)", now: Fixture.now.addingTimeInterval(3600))
        }
    }
}
