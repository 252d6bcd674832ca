import CLMServiceKit
import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore

/// `/console/session` and `/console/auth/…`: who is signed in, OpenID Connect sign-in and its
/// callback, the development sign-in, and sign-out.
struct SignInRoutes: Sendable {
    let settings: ConsoleSettings
    let sessions: SessionStore
    let openID: OpenIDClient?
    let development: DevelopmentSignIn?
    let cookies: ConsoleCookies

    /// What the page learns about its session; the token itself stays here.
    struct SessionView: Codable, Sendable {
        var subject: String
        var platformRoles: [String]
        var realms: [String: [String]]
        var expiresAt: Date
        var method: ConsoleSession.Method
    }

    /// The 401 of `/console/session`: why there is no session, and how to get one.
    struct SignedOutView: Codable, Sendable {
        var type: String
        var title: String
        var status: Int
        var code: String
        var detail: String
        var developmentSignIn: Bool
        var openIDSignIn: Bool
    }

    func add(to router: Router<BasicRequestContext>) {
        router.get("/console/session") { request, _ in try await session(request) }
        router.get("/console/auth/login") { request, context in try await login(request, context) }
        router.get("/console/auth/callback") { request, context in try await callback(request, context) }
        router.get("/console/auth/dev/users") { _, _ in
            guard let development else { throw APIError.notFound("development sign-in") }
            return try json(development.users)
        }
        router.post("/console/auth/dev") { request, context in try await developmentSignIn(request, context) }
        router.post("/console/auth/logout") { request, context in try await logout(request, context) }
    }

    private func session(_ request: Request) async throws -> Response {
        switch await sessions.lookUp(ConsoleCookies.value(ConsoleCookies.session, in: request)) {
        case .active(let session):
            let principal = session.principal
            return try json(
                SessionView(
                    subject: principal.subject, platformRoles: principal.platformRoles.sorted(),
                    realms: principal.realmRoles.mapValues { $0.sorted() }, expiresAt: session.expiresAt,
                    method: session.method))
        case .expired:
            return try signedOut("session-expired", "Your session has expired. Sign in again to continue.")
        case .none:
            return try signedOut("signed-out", "You are not signed in.")
        }
    }

    private func signedOut(_ code: String, _ detail: String) throws -> Response {
        var response = try json(
            SignedOutView(
                type: "/problems/\(code)", title: "Unauthorized", status: 401, code: code, detail: detail,
                developmentSignIn: development != nil, openIDSignIn: openID != nil),
            status: .unauthorized)
        response.headers[.contentType] = "application/problem+json"
        return response
    }

    private func login(_ request: Request, _ context: BasicRequestContext) async throws -> Response {
        let returnTo = Self.checkedReturn(request.uri.queryParameters.get("return"))
        guard let openID else {
            // Only the development sign-in exists: the page offers it.
            return redirect("/console/#/sign-in?return=\(Self.queryEscaped(returnTo))")
        }
        do {
            let (url, signIn) = try await openID.authorizationRedirect(returnTo: returnTo)
            await sessions.remember(signIn)
            var response = redirect(url.absoluteString)
            response.setCookie(
                cookies.set(ConsoleCookies.signIn, signIn.state, maxAge: Int(SessionStore.pendingLifetime)))
            return response
        } catch let error as SignInError {
            context.logger.warning("sign-in could not start", metadata: ["reason": "\(error.detail)"])
            return failedSignIn(error.detail)
        }
    }

    private func callback(_ request: Request, _ context: BasicRequestContext) async throws -> Response {
        let query = request.uri.queryParameters
        if let error = query.get("error") {
            return failedSignIn(Self.providerRefusal(error, query.get("error_description")))
        }
        guard let openID, let state = query.get("state"), let code = query.get("code"),
            ConsoleCookies.value(ConsoleCookies.signIn, in: request) == state,
            let signIn = await sessions.takePending(state: state)
        else {
            return failedSignIn("this sign-in was not started in this browser or took too long; sign in again")
        }
        do {
            let signedIn = try await openID.complete(code: code, signIn: signIn)
            let session = await sessions.open(
                principal: signedIn.principal, bearer: signedIn.bearer, idToken: signedIn.idToken, method: .oidc)
            context.logger.info("signed in", metadata: ["subject": "\(session.principal.subject)", "method": "oidc"])
            var response = redirect("/console/#\(signIn.returnTo)")
            response.setCookie(cookies.clear(ConsoleCookies.signIn))
            response.setCookie(cookies.set(ConsoleCookies.session, session.id, maxAge: maxAge(session)))
            return response
        } catch let error as SignInError {
            context.logger.warning("sign-in failed", metadata: ["reason": "\(error.detail)"])
            return failedSignIn(error.detail)
        }
    }

    private func developmentSignIn(_ request: Request, _ context: BasicRequestContext) async throws -> Response {
        try ConsoleRequestGuard.check(request)
        guard let development else { throw APIError.notFound("development sign-in") }
        let body = try await request.body.collect(upTo: 16 * 1024)
        let user: DevelopmentSignIn.User
        do {
            user = try JSONDecoder().decode(DevelopmentSignIn.User.self, from: body)
        } catch let error as DecodingError {
            throw APIError.badRequest("malformed-body", ProblemMiddleware<BasicRequestContext>.describe(error))
        }
        let (token, principal) = try development.signIn(user)
        let session = await sessions.open(principal: principal, bearer: token, idToken: nil, method: .development)
        context.logger.info("signed in", metadata: ["subject": "\(principal.subject)", "method": "development"])
        var response = Response(status: .noContent)
        response.setCookie(cookies.set(ConsoleCookies.session, session.id, maxAge: maxAge(session)))
        return response
    }

    private func logout(_ request: Request, _ context: BasicRequestContext) async throws -> Response {
        try ConsoleRequestGuard.check(request)
        let closed = await sessions.close(ConsoleCookies.value(ConsoleCookies.session, in: request))
        let home = settings.publicURL.absoluteString.trimmingSuffix("/") + "/console/"
        var target = "/console/"
        if let closed, closed.method == .oidc, let openID,
            let url = await openID.endSessionURL(idToken: closed.idToken, returnTo: home)
        {
            target = url.absoluteString
        }
        if let closed { context.logger.info("signed out", metadata: ["subject": "\(closed.principal.subject)"]) }
        var response = try json(["redirect": target])
        response.setCookie(cookies.clear(ConsoleCookies.session))
        return response
    }

    // MARK: Helpers

    private func maxAge(_ session: ConsoleSession) -> Int { max(Int(session.expiresAt.timeIntervalSinceNow), 1) }

    private func failedSignIn(_ reason: String) -> Response {
        redirect("/console/#/sign-in?error=\(Self.queryEscaped(reason))")
    }

    private func redirect(_ location: String) -> Response {
        Response(status: .found, headers: [.location: location])
    }

    /// Only a console route (`/…` inside the page) may be returned to, never another site.
    static func checkedReturn(_ text: String?) -> String {
        guard let text, text.hasPrefix("/"), !text.hasPrefix("//"), text.count <= 500,
            text.unicodeScalars.allSatisfy({ $0.isASCII && $0.value > 0x20 && $0 != "\\" })
        else { return "/" }
        return text
    }

    /// The provider's `error` and `error_description` (RFC 6749 §4.1.2.1) in words for the
    /// sign-in page. Anyone can put anything in a callback URL, and the text goes into the
    /// redirect's Location: only printable ASCII is kept (the RFC's own character set), cut
    /// to 64 and 200 characters, so the header stays far below a proxy's buffer.
    static func providerRefusal(_ error: String, _ description: String?) -> String {
        func printable(_ text: String, _ limit: Int) -> String {
            let kept = String(text.unicodeScalars.filter { $0.value >= 0x20 && $0.value < 0x7F }.map(Character.init))
            return kept.count > limit ? String(kept.prefix(limit)) + "…" : kept
        }
        let detail = description.map { ": \(printable($0, 200))" } ?? ""
        return "the identity provider refused the sign-in (\(printable(error, 64))\(detail))"
    }

    static func queryEscaped(_ text: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~/")
        return text.addingPercentEncoding(withAllowedCharacters: allowed) ?? ""
    }
}

/// A JSON response (ISO 8601 dates, as the API writes them).
func json(_ value: some Encodable, status: HTTPResponse.Status = .ok) throws -> Response {
    let encoder = JSONEncoder()
    encoder.dateEncodingStrategy = .iso8601
    encoder.outputFormatting = [.withoutEscapingSlashes, .sortedKeys]
    let body = try encoder.encode(value)
    return Response(
        status: status, headers: [.contentType: "application/json"],
        body: .init(byteBuffer: ByteBuffer(bytes: body)))
}
