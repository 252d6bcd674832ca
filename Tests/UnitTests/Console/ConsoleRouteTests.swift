import CLMIdentity
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Prometheus
import Testing

@testable import Console

/// The console's own routes in-process: pages with their security headers, the development
/// sign-in, sessions, sign-out and the proxy's guards. (The OpenID Connect flow and the proxy
/// to a real API run in the browser suite, against a real provider and the real services.)
@Suite("Console: routes")
struct ConsoleRouteTests {
    /// A temporary development identity provider and page directory.
    struct Fixture {
        let directory: URL
        let settings: ConsoleSettings

        init() throws {
            directory = FileManager.default.temporaryDirectory.appendingPathComponent("console-\(UUID().uuidString)")
            let assets = directory.appendingPathComponent("assets")
            try FileManager.default.createDirectory(
                at: assets.appendingPathComponent("js"), withIntermediateDirectories: true)
            try Data("<!doctype html><title>CLM</title>".utf8).write(to: assets.appendingPathComponent("index.html"))
            try Data("export const x = 1;".utf8).write(to: assets.appendingPathComponent("js/app.js"))
            try Data("secret".utf8).write(to: directory.appendingPathComponent("secret.txt"))
            let idp = directory.appendingPathComponent("idp")
            _ = try DevelopmentIdentityProvider.create(directory: idp)
            settings = try ConsoleSettings.fromEnvironment([
                "CLM_CONSOLE_DEV_SIGN_IN": "true", "CLM_CONSOLE_DEV_IDP_DIR": idp.path,
                "CLM_CONSOLE_ASSETS_DIR": assets.path, "CLM_CONSOLE_API_URL": "http://127.0.0.1:9",
            ])
        }

        func application() throws -> some ApplicationProtocol {
            Application(
                router: try ConsoleServer.makeRouter(settings: settings, metrics: PrometheusCollectorRegistry()))
        }
    }

    static let console: HTTPFields = [HTTPField.Name("X-CLM-Console")!: "1", .contentType: "application/json"]

    static func cookie(_ response: TestResponse) -> String? {
        response.headers[values: .setCookie].first { $0.hasPrefix("clm_console=") }?
            .split(separator: ";").first.map(String.init)
    }

    @Test("pages come with a strict Content-Security-Policy; nothing outside the page directory is served")
    func pages() async throws {
        try await Fixture().application().test(.router) { client in
            let page = try await client.execute(uri: "/console/", method: .get)
            #expect(page.status == .ok && page.headers[.contentType] == "text/html; charset=utf-8")
            let policy = page.headers[.contentSecurityPolicy] ?? ""
            #expect(policy.contains("default-src 'none'") && policy.contains("script-src 'self'"))
            #expect(policy.contains("frame-ancestors 'none'") && !policy.contains("unsafe"))
            #expect(page.headers[.xContentTypeOptions] == "nosniff")
            let script = try await client.execute(uri: "/console/static/js/app.js", method: .get)
            #expect(script.status == .ok && script.headers[.contentType] == "text/javascript; charset=utf-8")
            let etag = try #require(script.headers[.eTag])
            let again = try await client.execute(
                uri: "/console/static/js/app.js", method: .get, headers: [.ifNoneMatch: etag])
            #expect(again.status == .notModified)
            for path in ["/console/static/../secret.txt", "/console/static/%2e%2e/secret.txt", "/console/static/js"] {
                #expect(try await client.execute(uri: path, method: .get).status == .notFound, "\(path)")
            }
        }
    }

    @Test("development sign-in opens a session the page can read; sign-out ends it")
    func developmentSession() async throws {
        try await Fixture().application().test(.router) { client in
            let signedOut = try await client.execute(uri: "/console/session", method: .get)
            #expect(signedOut.status == .unauthorized)
            #expect(String(buffer: signedOut.body).contains("\"developmentSignIn\":true"))
            let body = ByteBuffer(string: #"{"subject": "rita@acme.example", "realms": {"acme": ["requester"]}}"#)
            let unguarded = try await client.execute(
                uri: "/console/auth/dev", method: .post, headers: [.contentType: "application/json"], body: body)
            #expect(unguarded.status == .forbidden)
            let signIn = try await client.execute(
                uri: "/console/auth/dev", method: .post, headers: Self.console, body: body)
            #expect(signIn.status == .noContent)
            let setCookie = signIn.headers[values: .setCookie].joined()
            #expect(
                setCookie.contains("HttpOnly") && setCookie.contains("SameSite=Lax")
                    && setCookie.contains("Path=/console"))
            let cookie = try #require(Self.cookie(signIn))
            let session = try await client.execute(uri: "/console/session", method: .get, headers: [.cookie: cookie])
            #expect(session.status == .ok)
            let text = String(buffer: session.body)
            #expect(text.contains("\"subject\":\"rita@acme.example\"") && text.contains("\"requester\""))
            #expect(!text.contains("ey"), "the token never reaches the page")
            var logoutHeaders = Self.console
            logoutHeaders[.cookie] = cookie
            let logout = try await client.execute(uri: "/console/auth/logout", method: .post, headers: logoutHeaders)
            #expect(String(buffer: logout.body) == #"{"redirect":"/console/"}"#)
            #expect(logout.headers[values: .setCookie].joined().contains("Max-Age=0"))
            let after = try await client.execute(uri: "/console/session", method: .get, headers: [.cookie: cookie])
            #expect(after.status == .unauthorized)
        }
    }

    @Test("development sign-in refuses unknown roles, bad realm ids and empty subjects")
    func developmentRefusals() async throws {
        try await Fixture().application().test(.router) { client in
            for body in [
                #"{"subject": "x", "realms": {"acme": ["superuser"]}}"#, #"{"subject": "x", "realms": {"ACME!": []}}"#,
                #"{"subject": "  "}"#, #"{"subject": 7}"#, "not json",
            ] {
                let answer = try await client.execute(
                    uri: "/console/auth/dev", method: .post, headers: Self.console, body: ByteBuffer(string: body))
                #expect(answer.status == .badRequest, "\(body)")
                #expect(answer.headers[.contentType] == "application/problem+json")
            }
        }
    }

    @Test("the API proxy needs the console header and takes only ordinary /v1 paths")
    func proxyGuards() async throws {
        try await Fixture().application().test(.router) { client in
            let unguarded = try await client.execute(uri: "/console/api/v1/realms", method: .get)
            #expect(unguarded.status == .forbidden)
            for path in [
                "/console/api/v2/x", "/console/api/v1/../health", "/console/api/v1/a/%2e%2e/b", "/console/api/v1/a%2Fb",
            ] {
                let answer = try await client.execute(uri: path, method: .get, headers: Self.console)
                #expect(answer.status == .notFound, "\(path)")
            }
            // Nothing listens on the configured API: a clear 502, not a hang or a 500.
            let down = try await client.execute(uri: "/console/api/v1/realms", method: .get, headers: Self.console)
            #expect(down.status == .badGateway && String(buffer: down.body).contains("api-unreachable"))
        }
    }

    @Test("sign-in without a provider goes to the development page; only console routes are returned to")
    func loginRedirects() async throws {
        try await Fixture().application().test(.router) { client in
            let login = try await client.execute(uri: "/console/auth/login?return=/requests", method: .get)
            #expect(login.status == .found && login.headers[.location] == "/console/#/sign-in?return=/requests")
            #expect(SignInRoutes.checkedReturn("//evil.example/x") == "/")
            #expect(SignInRoutes.checkedReturn("https://evil.example") == "/")
            #expect(SignInRoutes.checkedReturn("/realms/acme/requests/1") == "/realms/acme/requests/1")
            let callback = try await client.execute(uri: "/console/auth/callback?code=x&state=y", method: .get)
            #expect(
                callback.status == .found && callback.headers[.location]?.hasPrefix("/console/#/sign-in?error=") == true
            )
            // A provider error of any size (the generated stream sent kilobytes, and nginx
            // answered 502 for the header it made) stays a short Location.
            let long = String(repeating: "%E2%80%AE%00x", count: 2000)
            let refused = try await client.execute(
                uri: "/console/auth/callback?error=\(long)&error_description=\(long)", method: .get)
            #expect(refused.status == .found && (refused.headers[.location]?.utf8.count ?? .max) < 1000)
            #expect(
                SignInRoutes.providerRefusal("access_denied", "user said no\u{0}\u{202E}")
                    == "the identity provider refused the sign-in (access_denied: user said no)")
        }
    }
}
