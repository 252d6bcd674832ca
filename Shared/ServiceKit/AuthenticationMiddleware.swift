import CLMIdentity
import CLMStorage
import HTTPTypes
import Hummingbird
import Metrics
import PostgresNIO

/// Requires a valid bearer token on every route except the public ones (health, metrics,
/// CRLs and the e-mail verification link), and puts the principal into the context, with the
/// realm roles granted through the registry's memberships added to the token's.
public struct AuthenticationMiddleware: RouterMiddleware {
    public typealias Context = ServiceRequestContext
    let authenticator: BearerAuthenticator
    let members: RealmMembers?
    let client: PostgresClient?
    let database: DatabaseMonitor?
    /// Records a refused token in the audit trail (code, path).
    let recordFailure: (@Sendable (String, String) async -> Void)?
    let failures = Counter(label: "clm_authentication_failures_total")

    public init(
        authenticator: BearerAuthenticator, members: RealmMembers? = nil, client: PostgresClient? = nil,
        database: DatabaseMonitor? = nil, recordFailure: (@Sendable (String, String) async -> Void)? = nil
    ) {
        self.recordFailure = recordFailure
        self.authenticator = authenticator
        self.members = members
        self.client = client
        self.database = database
    }

    /// Paths that answer without a token.
    static func isPublic(_ path: String) -> Bool {
        if path.hasPrefix("/health/") || path == "/metrics" || path.hasPrefix("/v1/verify/") { return true }
        // What relying parties fetch, without credentials, by the URLs every certificate carries:
        // /v1/cas/{ca}/crl (RFC 5280 §5), /v1/cas/{ca}/certificate (the CA issuers URL) and the
        // OCSP responder, /v1/cas/{ca}/ocsp and its GET form /v1/cas/{ca}/ocsp/{request} (RFC 6960).
        let parts = path.split(separator: "/", omittingEmptySubsequences: false).dropFirst()
        guard parts.count >= 4, parts.first == "v1", parts.dropFirst().first == "cas" else { return false }
        let rest = Array(parts.dropFirst(3))
        switch rest[0] {
        case "crl", "certificate": return rest.count == 1
        case "ocsp": return true
        default: return false
        }
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
            await recordFailure?(error.code.rawValue, request.uri.path)
            context.logger.notice(
                "authentication failed", metadata: ["code": "\(error.code.rawValue)", "path": "\(request.uri.path)"])
            var headers = HTTPFields()
            headers[.wwwAuthenticate] =
                error.code == .missing
                ? "Bearer" : "Bearer error=\"invalid_token\", error_description=\"\(error.code.rawValue)\""
            throw APIError(
                .unauthorized, code: "unauthenticated", detail: "\(error.reason) (\(error.code.rawValue))",
                headers: headers)
        }
        if let principal = context.principal {
            context.principal = await withMemberships(principal, logger: context.logger)
        }
        context.logger[metadataKey: "principal"] = "\(context.principal?.subject ?? "")"
        return try await next(request, context)
    }

    /// Adds the registry's grants. Without the database the token's own roles still hold:
    /// a lookup failure can only ever grant less, never more.
    private func withMemberships(_ principal: Principal, logger: Logger) async -> Principal {
        guard let members, let client, database?.isAvailable ?? true else { return principal }
        do {
            let grants = try await client.withConnection { connection in
                try await members.roles(of: principal.subject, on: connection, logger: logger)
            }
            return principal.adding(realmRoles: grants)
        } catch {
            logger.warning(
                "realm memberships unavailable; using the token's roles only", metadata: ["error": "\(error)"])
            return principal
        }
    }
}
