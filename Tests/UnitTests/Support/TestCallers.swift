import CLMIdentity
import CLMServiceKit
import Foundation
import HTTPTypes
import Hummingbird

/// Stands in for the bearer-token check in in-process route tests: the `X-Test-Subject`
/// header names one of `principals`; without it (or with an unknown name) there is no caller.
struct TestCallers: RouterMiddleware {
    typealias Context = ServiceRequestContext
    static let header = HTTPField.Name("X-Test-Subject")!
    let principals: [String: Principal]

    init(_ principals: [String: Principal]) { self.principals = principals }

    /// Callers with realm roles only, by subject.
    init(realmRoles: [(String, [String: Set<String>])]) {
        self.init(Dictionary(uniqueKeysWithValues: realmRoles.map { ($0.0, Self.principal($0.0, realms: $0.1)) }))
    }

    static func principal(
        _ subject: String, platform: Set<String> = [], realms: [String: Set<String>]
    ) -> Principal {
        Principal(
            subject: subject, issuer: "test", platformRoles: platform, realmRoles: realms,
            expiresAt: Date().addingTimeInterval(600))
    }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response)
        async throws -> Response
    {
        var context = context
        context.principal = request.headers[Self.header].flatMap { principals[$0] }
        return try await next(request, context)
    }
}
