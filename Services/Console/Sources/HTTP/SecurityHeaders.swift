import CLMServiceKit
import HTTPTypes
import Hummingbird

/// Headers every console response carries. The policy allows only the console's own origin:
/// no inline script or style, no framing, no form posting elsewhere, no external fonts or
/// images — the pages work without any other host.
struct SecurityHeaders<Context: RequestContext>: RouterMiddleware {
    static var contentSecurityPolicy: String {
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
            + "font-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
    }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response)
        async throws -> Response
    {
        var response = try await next(request, context)
        response.headers[.contentSecurityPolicy] = Self.contentSecurityPolicy
        response.headers[.xContentTypeOptions] = "nosniff"
        response.headers[.init("Referrer-Policy")!] = "no-referrer"
        response.headers[.init("X-Frame-Options")!] = "DENY"
        response.headers[.init("Cross-Origin-Opener-Policy")!] = "same-origin"
        if response.headers[.cacheControl] == nil { response.headers[.cacheControl] = "no-store" }
        return response
    }
}

/// Requests that change something (and every API call) must carry `X-CLM-Console: 1`. A
/// cross-site page cannot add a custom header without a CORS preflight, which the console
/// never grants, so the session cookie cannot be ridden from another site.
enum ConsoleRequestGuard {
    static let header = HTTPField.Name("X-CLM-Console")!

    static func check(_ request: Request) throws {
        guard request.headers[header] == "1" else {
            throw APIError(
                .forbidden, code: "console-header-missing",
                detail: "console calls must send the X-CLM-Console: 1 header (cross-site request refused)")
        }
    }
}
