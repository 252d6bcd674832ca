import CLMIdentity
import HTTPTypes
import Hummingbird
import Metrics

/// Requires a valid bearer token on every route except the public ones (health, metrics,
/// CRLs and the e-mail verification link), and puts the principal into the context.
public struct AuthenticationMiddleware: RouterMiddleware {
    public typealias Context = ServiceRequestContext
    let authenticator: BearerAuthenticator
    let failures = Counter(label: "clm_authentication_failures_total")

    public init(authenticator: BearerAuthenticator) {
        self.authenticator = authenticator
    }

    /// Paths that answer without a token.
    static func isPublic(_ path: String) -> Bool {
        if path.hasPrefix("/health/") || path == "/metrics" || path.hasPrefix("/v1/verify/") { return true }
        // /v1/cas/{ca}/crl: revocation lists are public by nature (RFC 5280 §5).
        let parts = path.split(separator: "/")
        return parts.count == 4 && parts[0] == "v1" && parts[1] == "cas" && parts[3] == "crl"
    }

    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response)
        async throws -> Response
    {
        if Self.isPublic(request.uri.path) { return try await next(request, context) }
        var context = context
        do {
            context.principal = try await authenticator.authenticate(
                authorizationHeader: request.headers[.authorization])
        } catch let error as AuthenticationError {
            failures.increment()
            context.logger.notice(
                "authentication failed", metadata: ["code": "\(error.code.rawValue)", "path": "\(request.uri.path)"])
            var headers = HTTPFields()
            headers[.wwwAuthenticate] =
                error.code == .missing ? "Bearer" : "Bearer error=\"invalid_token\", error_description=\"\(error.code.rawValue)\""
            throw APIError(
                .unauthorized, code: "unauthenticated", detail: "\(error.reason) (\(error.code.rawValue))",
                headers: headers)
        }
        context.logger[metadataKey: "principal"] = "\(context.principal?.subject ?? "")"
        return try await next(request, context)
    }
}
