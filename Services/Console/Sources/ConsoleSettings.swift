import CLMServiceKit
import Foundation
import Logging

/// The console's configuration, from `CLM_*` environment variables, validated at start.
public struct ConsoleSettings: Sendable {
    /// How people sign in with the configured OpenID Connect provider.
    public struct OpenID: Sendable {
        /// `CLM_CONSOLE_OIDC_ISSUER`: the provider; discovery at `/.well-known/openid-configuration`.
        public var issuer: URL
        /// `CLM_CONSOLE_OIDC_CLIENT_ID` (default `clm-console`).
        public var clientID: String
        /// `CLM_CONSOLE_OIDC_CLIENT_SECRET_FILE` or `CLM_CONSOLE_OIDC_CLIENT_SECRET`: a
        /// confidential client's secret (none: a public client, PKCE only).
        public var clientSecret: String?
        /// `CLM_CONSOLE_OIDC_SCOPES` (default `openid email profile`).
        public var scopes: String
        /// `CLM_CONSOLE_OIDC_BEARER`: which token the API receives, `access_token` (default: an
        /// IdP that issues JWT access tokens for the API's audience) or `id_token`.
        public var bearer: Bearer
        /// `CLM_CONSOLE_OIDC_AUDIENCE`: the audience the bearer must carry (default: the
        /// services' `CLM_AUTH_AUDIENCE`, or the client id for `id_token`).
        public var audience: String
    }

    public enum Bearer: String, Sendable, CaseIterable {
        case accessToken = "access_token"
        case idToken = "id_token"
    }

    /// Sign-in with the development identity provider that `make up` creates.
    public struct Development: Sendable {
        /// `CLM_CONSOLE_DEV_IDP_DIR`: its signing key and JWKS.
        public var directory: URL
        /// `CLM_CONSOLE_DEV_USERS_FILE`: the demo users offered on the sign-in page (JSON).
        public var usersFile: URL?
        /// `CLM_AUTH_ISSUER` / `CLM_AUTH_AUDIENCE`, as the services expect them.
        public var issuer: String
        public var audience: String
    }

    /// `CLM_HTTP_HOST` (default `127.0.0.1`) and `CLM_HTTP_PORT` (default 8086).
    public var host: String
    public var port: Int
    /// `CLM_CONSOLE_API_URL`: the public API the console calls for the signed-in user (default
    /// the local edge, `http://127.0.0.1:8080`).
    public var apiURL: URL
    /// `CLM_CONSOLE_PUBLIC_URL`: where browsers reach the console's edge (default
    /// `http://127.0.0.1:8080`); the OIDC redirect URI is `<this>/console/auth/callback`.
    public var publicURL: URL
    public var openID: OpenID?
    /// Set only with `CLM_CONSOLE_DEV_SIGN_IN=true`.
    public var development: Development?
    /// `CLM_CONSOLE_SESSION_SECONDS` (default 28800): a session ends then, or when its token expires.
    public var sessionLifetime: Duration
    /// `CLM_CONSOLE_MAX_SESSIONS` (default 10000): the oldest session goes when a new one would exceed it.
    public var maxSessions: Int
    /// `CLM_CONSOLE_ASSETS_DIR`: serve the pages from this directory (default: the copy built
    /// into the binary's resources).
    public var assetsDirectory: URL?
    public var logLevel: Logger.Level

    /// The callback the identity provider sends the browser back to.
    public var redirectURI: String { publicURL.absoluteString.trimmingSuffix("/") + "/console/auth/callback" }

    public static func fromEnvironment(_ environment: [String: String]) throws -> ConsoleSettings {
        var env = EnvironmentReader(environment)
        let host = env.string("CLM_HTTP_HOST", default: "127.0.0.1")
        let port = env.int("CLM_HTTP_PORT", default: 8086, range: 1...65535)
        let apiURL = url(&env, "CLM_CONSOLE_API_URL", default: "http://127.0.0.1:8080")
        let publicURL = url(&env, "CLM_CONSOLE_PUBLIC_URL", default: "http://127.0.0.1:8080")
        let servicesAudience = env.string("CLM_AUTH_AUDIENCE", default: "clm")
        var openID: OpenID?
        if env.optional("CLM_CONSOLE_OIDC_ISSUER") != nil {
            let bearer = env.choice("CLM_CONSOLE_OIDC_BEARER", default: Bearer.accessToken)
            let clientID = env.string("CLM_CONSOLE_OIDC_CLIENT_ID", default: "clm-console")
            openID = OpenID(
                issuer: url(&env, "CLM_CONSOLE_OIDC_ISSUER", default: ""), clientID: clientID,
                clientSecret: secret(&env, "CLM_CONSOLE_OIDC_CLIENT_SECRET"),
                scopes: env.string("CLM_CONSOLE_OIDC_SCOPES", default: "openid email profile"), bearer: bearer,
                audience: env.optional("CLM_CONSOLE_OIDC_AUDIENCE")
                    ?? (bearer == .idToken ? clientID : servicesAudience))
        }
        var development: Development?
        switch env.string("CLM_CONSOLE_DEV_SIGN_IN", default: "false").lowercased() {
        case "true", "1", "yes":
            development = Development(
                directory: URL(
                    fileURLWithPath: env.required(
                        "CLM_CONSOLE_DEV_IDP_DIR", hint: "the directory of `clm dev init-idp`")),
                usersFile: env.optional("CLM_CONSOLE_DEV_USERS_FILE").map { URL(fileURLWithPath: $0) },
                issuer: env.string("CLM_AUTH_ISSUER", default: "clm-dev"), audience: servicesAudience)
        case "false", "0", "no":
            break
        case let other:
            env.problem("CLM_CONSOLE_DEV_SIGN_IN must be true or false, got \(EnvironmentReader.quoted(other))")
        }
        if openID == nil && development == nil {
            env.problem(
                "nobody could sign in: set CLM_CONSOLE_OIDC_ISSUER (an OpenID Connect provider), or CLM_CONSOLE_DEV_SIGN_IN=true for local use"
            )
        }
        let settings = ConsoleSettings(
            host: host, port: port, apiURL: apiURL, publicURL: publicURL, openID: openID, development: development,
            sessionLifetime: .seconds(env.int("CLM_CONSOLE_SESSION_SECONDS", default: 28_800, range: 60...604_800)),
            maxSessions: env.int("CLM_CONSOLE_MAX_SESSIONS", default: 10_000, range: 1...1_000_000),
            assetsDirectory: env.optional("CLM_CONSOLE_ASSETS_DIR").map { URL(fileURLWithPath: $0) },
            logLevel: env.logLevel())
        try env.validate()
        return settings
    }

    private static func url(_ env: inout EnvironmentReader, _ key: String, default fallback: String) -> URL {
        let text = env.string(key, default: fallback)
        guard let url = URL(string: text), let scheme = url.scheme, ["http", "https"].contains(scheme), url.host != nil
        else {
            env.problem("\(key) must be an http:// or https:// URL, got \(EnvironmentReader.quoted(text))")
            return URL(string: "http://invalid")!
        }
        return url
    }

    /// A secret from `<key>_FILE` (preferred: a mounted secret) or `<key>`.
    private static func secret(_ env: inout EnvironmentReader, _ key: String) -> String? {
        if let path = env.optional("\(key)_FILE") {
            guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
                env.problem("\(key)_FILE: cannot read \(EnvironmentReader.quoted(path))")
                return nil
            }
            return text.trimmingCharacters(in: .whitespacesAndNewlines)
        }
        return env.optional(key)
    }
}

extension String {
    func trimmingSuffix(_ suffix: String) -> String {
        var text = self
        while text.hasSuffix(suffix) { text.removeLast(suffix.count) }
        return text
    }
}
