import CLMIdentity
import Foundation
import Testing

@testable import Console

@Suite("Console: sessions, PKCE and settings")
struct ConsoleSessionTests {
    static func principal(expiresIn seconds: TimeInterval, from now: Date) -> Principal {
        Principal(subject: "rita", issuer: "idp", expiresAt: now.addingTimeInterval(seconds))
    }

    @Test("a session ends with its token, or at the console's lifetime; an expired one says so once")
    func expiry() async {
        let now = Date()
        let store = SessionStore(capacity: 10, lifetime: .seconds(600))
        let short = await store.open(
            principal: Self.principal(expiresIn: 60, from: now), bearer: "t", idToken: nil, method: .oidc, now: now)
        #expect(short.expiresAt == now.addingTimeInterval(60))
        let long = await store.open(
            principal: Self.principal(expiresIn: 86_400, from: now), bearer: "t", idToken: nil, method: .oidc, now: now)
        #expect(long.expiresAt == now.addingTimeInterval(600))
        guard case .active = await store.lookUp(short.id, now: now.addingTimeInterval(59)) else {
            Issue.record("session should still be active")
            return
        }
        guard case .expired = await store.lookUp(short.id, now: now.addingTimeInterval(61)) else {
            Issue.record("session should have expired")
            return
        }
        guard case .none = await store.lookUp(short.id, now: now.addingTimeInterval(62)) else {
            Issue.record("an expired session is forgotten after it was reported")
            return
        }
        #expect(short.id.count == 43 && short.id != long.id)
    }

    @Test("the store is bounded: the oldest session makes room")
    func capacity() async {
        let now = Date()
        let store = SessionStore(capacity: 2, lifetime: .seconds(600))
        var ids: [String] = []
        for offset in 0..<3 {
            let session = await store.open(
                principal: Self.principal(expiresIn: 600, from: now), bearer: "t", idToken: nil, method: .development,
                now: now.addingTimeInterval(Double(offset)))
            ids.append(session.id)
        }
        #expect(await store.count == 2)
        guard case .none = await store.lookUp(ids[0], now: now) else {
            Issue.record("the oldest session should be gone")
            return
        }
    }

    @Test("a pending sign-in is taken once, and not after ten minutes")
    func pending() async {
        let now = Date()
        let store = SessionStore(capacity: 2, lifetime: .seconds(600))
        let signIn = PendingSignIn(state: "s1", nonce: "n", codeVerifier: "v", returnTo: "/", createdAt: now)
        await store.remember(signIn)
        #expect(await store.takePending(state: "s1", now: now)?.nonce == "n")
        #expect(await store.takePending(state: "s1", now: now) == nil)
        await store.remember(PendingSignIn(state: "s2", nonce: "n", codeVerifier: "v", returnTo: "/", createdAt: now))
        #expect(await store.takePending(state: "s2", now: now.addingTimeInterval(601)) == nil)
    }

    @Test("PKCE S256 challenge is base64url(SHA-256(verifier)) without padding")
    func challenge() {
        // Computed independently with Python's hashlib and base64.
        #expect(
            OpenIDClient.challenge("dBjftJeZ4CVP-mJ92K9DmoGRvqlA0jAfFHGH2iY-3pM")
                == "Mdz48u6kiaaB0fGfNq8HB0AGaV0_KQrHhqVv7tB8llo")
        #expect(OpenIDClient.formEncoded([("a b", "x&y=z"), ("c", "~ok")]) == "a%20b=x%26y%3Dz&c=~ok")
    }

    @Test("settings: someone must be able to sign in; URLs are checked; the bearer is a choice")
    func settings() throws {
        #expect(throws: (any Error).self) { try ConsoleSettings.fromEnvironment([:]) }
        #expect(throws: (any Error).self) {
            try ConsoleSettings.fromEnvironment(["CLM_CONSOLE_OIDC_ISSUER": "ftp://idp"])
        }
        #expect(throws: (any Error).self) {
            try ConsoleSettings.fromEnvironment([
                "CLM_CONSOLE_OIDC_ISSUER": "https://idp.example", "CLM_CONSOLE_OIDC_BEARER": "refresh_token",
            ])
        }
        let oidc = try ConsoleSettings.fromEnvironment([
            "CLM_CONSOLE_OIDC_ISSUER": "https://idp.example/realms/clm", "CLM_CONSOLE_OIDC_BEARER": "id_token",
            "CLM_CONSOLE_PUBLIC_URL": "https://clm.example/",
        ])
        #expect(oidc.openID?.audience == "clm-console" && oidc.openID?.bearer == .idToken)
        #expect(oidc.redirectURI == "https://clm.example/console/auth/callback")
        #expect(oidc.development == nil && oidc.port == 8086)
    }
}
