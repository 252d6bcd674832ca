import CLMCrypto
import Foundation
import Testing

@testable import CLMIdentity

@Suite("Identity: development identity provider")
struct DevelopmentIdentityProviderTests {
    typealias Fixture = IdentityFixture

    @Test("create writes a 0600 key and a JWKS, and is idempotent")
    func createIsIdempotent() throws {
        let scratch = try CryptoScratch()
        let directory = scratch.directory.appendingPathComponent("idp/nested")
        let first = try DevelopmentIdentityProvider.create(directory: directory)
        let keyPath = directory.appendingPathComponent(DevelopmentIdentityProvider.signingKeyFileName).path
        let keySetURL = directory.appendingPathComponent(DevelopmentIdentityProvider.keySetFileName)

        let attributes = try FileManager.default.attributesOfItem(atPath: keyPath)
        let mode = (attributes[.posixPermissions] as? NSNumber)?.intValue ?? (attributes[.posixPermissions] as? Int)
        #expect(mode == 0o600)
        let pem = try String(contentsOfFile: keyPath, encoding: .utf8)
        #expect(pem.hasPrefix("-----BEGIN PRIVATE KEY-----"))
        #expect([UInt8](try Data(contentsOf: keySetURL)) == first.jwksJSON)
        #expect(
            try FileManager.default.contentsOfDirectory(atPath: directory.path).sorted() == [
                "jwks.json", "signing-key.pem",
            ])

        let second = try DevelopmentIdentityProvider.create(directory: directory)
        #expect(second.keyID == first.keyID)
        #expect(second.jwksJSON == first.jwksJSON)
        #expect(try String(contentsOfFile: keyPath, encoding: .utf8) == pem)
        #expect(try DevelopmentIdentityProvider.load(directory: directory).keyID == first.keyID)

        // The key is the source of truth: a lost jwks.json is rewritten from it.
        try FileManager.default.removeItem(at: keySetURL)
        #expect(try DevelopmentIdentityProvider.create(directory: directory).keyID == first.keyID)
        #expect([UInt8](try Data(contentsOf: keySetURL)) == first.jwksJSON)

        // The published key is ES256 under the thumbprint kid.
        let keySet = try JSONWebKeySet(json: first.jwksJSON)
        #expect(keySet.keys.count == 1)
        #expect(keySet.keys.first?.algorithm == .es256)
        #expect(keySet.keys.first?.keyID == first.keyID)
        #expect(keySet.keys.first?.thumbprint == first.keyID)
    }

    @Test("load without a key fails; a different directory gets a different key")
    func loadAndDistinctKeys() throws {
        let scratch = try CryptoScratch()
        #expect(throws: (any Error).self) { try DevelopmentIdentityProvider.load(directory: scratch.directory) }
        let a = try DevelopmentIdentityProvider.create(directory: scratch.directory.appendingPathComponent("a"))
        let b = try DevelopmentIdentityProvider.create(directory: scratch.directory.appendingPathComponent("b"))
        #expect(a.keyID != b.keyID)
    }

    @Test("minted tokens verify through the JWKS file and carry the roles")
    func mintedTokensVerify() async throws {
        let scratch = try CryptoScratch()
        let provider = try DevelopmentIdentityProvider.create(directory: scratch.directory)
        let token = try provider.mint(
            subject: "bob", issuer: Fixture.issuer, audience: Fixture.audience, platformRoles: ["platform-admin"],
            realmRoles: ["acme": ["requester"]], lifetime: .seconds(600), now: Fixture.now)

        let cache = KeySetCache(
            url: scratch.directory.appendingPathComponent(DevelopmentIdentityProvider.keySetFileName))
        let authenticator = BearerAuthenticator(verifier: Fixture.verifier, keys: cache)
        let principal = try await authenticator.authenticate(authorizationHeader: "Bearer \(token)", now: Fixture.now)
        #expect(principal.subject == "bob")
        #expect(principal.issuer == Fixture.issuer)
        #expect(principal.isPlatformAdmin)
        #expect(principal.roles(in: "acme") == ["requester"])
        #expect(principal.expiresAt == Fixture.now.addingTimeInterval(600))

        let keys = try JSONWebKeySet(json: provider.jwksJSON)
        Fixture.expectFailure(.expired) {
            _ = try Fixture.verifier.verify(token, keys: keys, now: Fixture.now.addingTimeInterval(600 + 61))
        }
        Fixture.expectFailure(.wrongAudience) {
            _ = try TokenVerifier(issuer: Fixture.issuer, audience: "other").verify(token, keys: keys, now: Fixture.now)
        }
        let plain = try provider.mint(
            subject: "carol", issuer: Fixture.issuer, audience: Fixture.audience, now: Fixture.now)
        let carol = try Fixture.verifier.verify(plain, keys: keys, now: Fixture.now)
        #expect(carol.platformRoles.isEmpty && carol.realmRoles.isEmpty)
        Fixture.expectFailure(.missingClaim) {
            _ = try provider.mint(subject: "", issuer: Fixture.issuer, audience: Fixture.audience)
        }
    }
}
