import CLMIdentity
import Hummingbird

/// The request context of every CLM service: Hummingbird's core storage plus the principal
/// the bearer token proved (nil only on the public routes).
public struct ServiceRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    public var principal: Principal?

    public init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
        self.principal = nil
    }

    /// The authenticated principal; a route that reaches this without one is misconfigured,
    /// and fails closed.
    public func requirePrincipal() throws -> Principal {
        guard let principal else {
            throw APIError(.unauthorized, code: "unauthenticated", detail: "a bearer token is required")
        }
        return principal
    }
}
