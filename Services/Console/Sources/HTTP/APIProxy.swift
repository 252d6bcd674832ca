import CLMServiceKit
import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// `/console/api/v1/…` → the public API's `/v1/…`, with the signed-in person's bearer token
/// added. The console has no API of its own: whatever the page does, the services'
/// authorisation decides, exactly as for the CLI. Without a session the call goes on without
/// a token (e-mail links and CRLs need none; everything else answers 401).
struct APIProxy: Sendable {
    let apiURL: URL
    let sessions: SessionStore
    /// Bodies up to the edge's own limit.
    static let maxBody = 1024 * 1024
    static let forwardedRequestHeaders: [HTTPField.Name] = [
        .contentType, .accept, .init("Idempotency-Key")!, .init("X-Request-Id")!, .ifNoneMatch,
    ]
    static let returnedHeaders: [HTTPField.Name] = [
        .contentType, .contentDisposition, .eTag, .lastModified, .retryAfter, .location, .expires,
    ]

    private static let session: URLSession = {
        let configuration = URLSessionConfiguration.ephemeral
        configuration.httpCookieAcceptPolicy = .never
        configuration.httpShouldSetCookies = false
        configuration.urlCache = nil
        configuration.timeoutIntervalForRequest = 120
        configuration.httpMaximumConnectionsPerHost = 64
        return URLSession(configuration: configuration)
    }()

    func add(to router: Router<BasicRequestContext>) {
        for method in [HTTPRequest.Method.get, .post, .put, .delete, .patch] {
            router.on("/console/api/**", method: method) { request, context in try await forward(request, context) }
        }
    }

    private func forward(_ request: Request, _ context: BasicRequestContext) async throws -> Response {
        try ConsoleRequestGuard.check(request)
        let path = String(request.uri.path.dropFirst("/console/api".count))
        guard Self.isPublicAPIPath(path) else { throw APIError.notFound("console API path \(path)") }
        var bearer: String?
        switch await sessions.lookUp(ConsoleCookies.value(ConsoleCookies.session, in: request)) {
        case .active(let session): bearer = session.bearer
        case .expired:
            throw APIError(.unauthorized, code: "session-expired", detail: "Your session has expired. Sign in again.")
        case .none: bearer = nil
        }
        let query = request.uri.query.map { "?\($0)" } ?? ""
        guard let url = URL(string: apiURL.absoluteString.trimmingSuffix("/") + path + query) else {
            throw APIError.badRequest("invalid-path", "the path or query is not a valid URL")
        }
        var upstream = URLRequest(url: url)
        upstream.httpMethod = request.method.rawValue
        for name in Self.forwardedRequestHeaders {
            if let value = request.headers[name] { upstream.setValue(value, forHTTPHeaderField: name.rawName) }
        }
        if let bearer { upstream.setValue("Bearer \(bearer)", forHTTPHeaderField: "Authorization") }
        if request.method != .get && request.method != .head {
            let body = try await request.body.collect(upTo: Self.maxBody)
            upstream.httpBody = Data(buffer: body)
        }
        let (data, response): (Data, URLResponse)
        do {
            (data, response) = try await Self.session.data(for: upstream)
        } catch {
            context.logger.warning("API unreachable", metadata: ["error": "\(error.localizedDescription)"])
            throw APIError(
                .badGateway, code: "api-unreachable", detail: "CLM's API did not answer; try again in a moment")
        }
        guard let http = response as? HTTPURLResponse else {
            throw APIError(.badGateway, code: "api-unreachable", detail: "CLM's API answered something unusable")
        }
        let status = HTTPResponse.Status(code: http.statusCode)
        var headers = HTTPFields()
        for name in Self.returnedHeaders {
            if let value = http.value(forHTTPHeaderField: name.rawName) { headers[name] = value }
        }
        headers[.cacheControl] = "no-store"
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }

    /// `/v1/…` with ordinary segments only, so the edge routes it exactly as written.
    static func isPublicAPIPath(_ path: String) -> Bool {
        guard path.hasPrefix("/v1/") else { return false }
        let segments = path.split(separator: "/", omittingEmptySubsequences: false).dropFirst()
        return segments.allSatisfy { segment in
            let decoded = segment.removingPercentEncoding ?? ""
            return !segment.isEmpty && decoded != "." && decoded != ".." && !decoded.contains("/")
                && !decoded.contains("\\")
        }
    }
}
