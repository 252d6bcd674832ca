import CLMCrypto
import CLMIdentity
import Foundation
import Logging

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// The console as an OpenID Connect relying party: authorization code flow with PKCE (S256),
/// the code exchanged server to server, the ID token verified (signature against the
/// provider's JWKS, issuer, audience, expiry, nonce). Browsers never see a token.
actor OpenIDClient {
    /// What discovery tells about the provider.
    struct Metadata: Sendable, Decodable {
        var issuer: String
        var authorizationEndpoint: URL
        var tokenEndpoint: URL
        var jwksURI: URL
        var endSessionEndpoint: URL?

        enum CodingKeys: String, CodingKey {
            case issuer
            case authorizationEndpoint = "authorization_endpoint"
            case tokenEndpoint = "token_endpoint"
            case jwksURI = "jwks_uri"
            case endSessionEndpoint = "end_session_endpoint"
        }
    }

    struct TokenResponse: Sendable, Decodable {
        var accessToken: String?
        var idToken: String?
        enum CodingKeys: String, CodingKey {
            case accessToken = "access_token"
            case idToken = "id_token"
        }
    }

    /// A signed-in person as the provider vouched for them.
    struct SignedIn: Sendable {
        var principal: Principal
        var bearer: String
        var idToken: String
    }

    let settings: ConsoleSettings.OpenID
    let redirectURI: String
    private var metadata: Metadata?
    private var keys: KeySetCache?

    init(settings: ConsoleSettings.OpenID, redirectURI: String) {
        self.settings = settings
        self.redirectURI = redirectURI
    }

    /// The provider's metadata, fetched once (and again after a failure).
    func discover() async throws -> Metadata {
        if let metadata { return metadata }
        let base = settings.issuer.absoluteString.trimmingSuffix("/")
        let url = URL(string: base + "/.well-known/openid-configuration")!
        let data = try await Self.fetch(URLRequest(url: url, timeoutInterval: 10))
        let found: Metadata
        do {
            found = try JSONDecoder().decode(Metadata.self, from: data)
        } catch {
            throw SignInError.provider("the identity provider's discovery document is not usable: \(error)")
        }
        guard found.issuer.trimmingSuffix("/") == base else {
            throw SignInError.provider("the identity provider says its issuer is \(found.issuer), not \(base)")
        }
        metadata = found
        keys = KeySetCache(url: found.jwksURI)
        return found
    }

    /// Where to send the browser, and what its return must match.
    func authorizationRedirect(returnTo: String) async throws -> (URL, PendingSignIn) {
        let metadata = try await discover()
        let signIn = PendingSignIn(
            state: SessionStore.newID(), nonce: SessionStore.newID(), codeVerifier: SessionStore.newID(),
            returnTo: returnTo, createdAt: Date())
        var components = URLComponents(url: metadata.authorizationEndpoint, resolvingAgainstBaseURL: false)!
        components.queryItems =
            (components.queryItems ?? []) + [
                URLQueryItem(name: "response_type", value: "code"),
                URLQueryItem(name: "client_id", value: settings.clientID),
                URLQueryItem(name: "redirect_uri", value: redirectURI),
                URLQueryItem(name: "scope", value: settings.scopes),
                URLQueryItem(name: "state", value: signIn.state),
                URLQueryItem(name: "nonce", value: signIn.nonce),
                URLQueryItem(name: "code_challenge", value: Self.challenge(signIn.codeVerifier)),
                URLQueryItem(name: "code_challenge_method", value: "S256"),
            ]
        return (components.url!, signIn)
    }

    /// Exchanges the callback's code and verifies what comes back.
    func complete(code: String, signIn: PendingSignIn) async throws -> SignedIn {
        let metadata = try await discover()
        var request = URLRequest(url: metadata.tokenEndpoint, timeoutInterval: 10)
        request.httpMethod = "POST"
        request.setValue("application/x-www-form-urlencoded", forHTTPHeaderField: "Content-Type")
        var form = [
            ("grant_type", "authorization_code"), ("code", code), ("redirect_uri", redirectURI),
            ("client_id", settings.clientID), ("code_verifier", signIn.codeVerifier),
        ]
        if let secret = settings.clientSecret { form.append(("client_secret", secret)) }
        request.httpBody = Data(Self.formEncoded(form).utf8)
        let tokens: TokenResponse
        do {
            tokens = try JSONDecoder().decode(TokenResponse.self, from: try await Self.fetch(request))
        } catch let error as SignInError {
            throw error
        } catch {
            throw SignInError.provider("the identity provider's token response is not usable")
        }
        guard let idToken = tokens.idToken else { throw SignInError.provider("the identity provider sent no ID token") }
        let identity = try await verify(idToken, audience: settings.clientID)
        guard Self.claim("nonce", of: idToken) == signIn.nonce else {
            throw SignInError.rejected("the ID token does not answer this sign-in (nonce)")
        }
        switch settings.bearer {
        case .idToken:
            return SignedIn(principal: identity, bearer: idToken, idToken: idToken)
        case .accessToken:
            guard let access = tokens.accessToken else {
                throw SignInError.provider("the identity provider sent no access token")
            }
            // The API will judge it; checking it here gives a clear message at sign-in instead.
            let principal = try await verify(access, audience: settings.audience)
            return SignedIn(principal: principal, bearer: access, idToken: idToken)
        }
    }

    /// The provider's end-session URL for this ID token, if it has one.
    func endSessionURL(idToken: String?, returnTo: String) async -> URL? {
        guard let endpoint = try? await discover().endSessionEndpoint else { return nil }
        var components = URLComponents(url: endpoint, resolvingAgainstBaseURL: false)!
        var items = [
            URLQueryItem(name: "client_id", value: settings.clientID),
            URLQueryItem(name: "post_logout_redirect_uri", value: returnTo),
        ]
        if let idToken { items.append(URLQueryItem(name: "id_token_hint", value: idToken)) }
        components.queryItems = (components.queryItems ?? []) + items
        return components.url
    }

    private func verify(_ token: String, audience: String) async throws -> Principal {
        guard let keys else { throw SignInError.provider("the identity provider was not discovered") }
        let authenticator = BearerAuthenticator(
            verifier: TokenVerifier(issuer: settings.issuer.absoluteString.trimmingSuffix("/"), audience: audience),
            keys: keys)
        do {
            return try await authenticator.authenticate(authorizationHeader: "Bearer \(token)")
        } catch let error as AuthenticationError {
            throw SignInError.rejected("the identity provider's token was refused: \(error.reason)")
        }
    }

    /// PKCE S256: base64url(SHA-256(verifier)).
    static func challenge(_ verifier: String) -> String { JOSEBase64URL.encode(Digest.sha256(Array(verifier.utf8))) }

    /// One string claim of a token already verified.
    static func claim(_ name: String, of token: String) -> String? {
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3, let payload = JOSEBase64URL.decode(String(parts[1])),
            let object = try? JSONSerialization.jsonObject(with: Data(payload)) as? [String: Any]
        else { return nil }
        return object[name] as? String
    }

    static func formEncoded(_ pairs: [(String, String)]) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        return pairs.map {
            "\($0.0.addingPercentEncoding(withAllowedCharacters: allowed)!)=\($0.1.addingPercentEncoding(withAllowedCharacters: allowed)!)"
        }.joined(separator: "&")
    }

    private static func fetch(_ request: URLRequest) async throws -> Data {
        let (data, response): (Data, URLResponse)
        do {
            (data, response) = try await URLSession.shared.data(for: request)
        } catch {
            throw SignInError.unreachable("the identity provider did not answer: \(error.localizedDescription)")
        }
        guard let status = (response as? HTTPURLResponse)?.statusCode, (200..<300).contains(status) else {
            let code = (response as? HTTPURLResponse)?.statusCode ?? 0
            throw SignInError.provider("the identity provider answered \(code) at \(request.url?.path ?? "?")")
        }
        return data
    }
}
