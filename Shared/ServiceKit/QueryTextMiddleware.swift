import CLMContracts
import Hummingbird

/// Holds every query parameter, name and value, to the rule for text that bodies keep
/// (`TextRule`, decision 0021) before any route reads one: a breach is 422 `invalid-text`
/// naming `query.<name>`. Routes then parse their parameters with their own, stricter rules.
public struct QueryTextMiddleware<Context: RequestContext>: RouterMiddleware {
    public init() {}

    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response)
        async throws -> Response
    {
        if let query = request.uri.query, let violation = TextRule.standard.violation(inQuery: query[...]) {
            throw violation.problem
        }
        return try await next(request, context)
    }
}
