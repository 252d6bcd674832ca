import Hummingbird
import Metrics

/// Bounds the API requests a service works on at once (`CLM_HTTP_MAX_IN_FLIGHT`): beyond it a
/// request gets 503 `overloaded` with Retry-After at once. Health and metrics are always
/// answered, so an overloaded service is seen as busy, not dead.
public struct AdmissionMiddleware<Context: RequestContext>: RouterMiddleware {
    let limit: AdmissionLimit
    private let refused = Counter(label: "clm_http_overload_refusals_total")

    public init(limit: AdmissionLimit) {
        self.limit = limit
    }

    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response)
        async throws -> Response
    {
        let path = request.uri.path
        if path.hasPrefix("/health") || path == "/metrics" { return try await next(request, context) }
        guard limit.tryAcquire() else {
            refused.increment()
            throw APIError.overloaded("more than \(limit.limit) requests in progress; retry shortly")
        }
        defer { limit.release() }
        return try await next(request, context)
    }
}
