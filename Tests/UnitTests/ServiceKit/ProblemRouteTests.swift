import CLMContracts
import CLMIdentity
import CLMServiceKit
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

/// Routes in-process (Hummingbird's router testing): how a thrown `Problem` and the realm
/// authorisation reach the caller as RFC 9457 problem documents.
@Suite("Problem details over HTTP")
struct ProblemRouteTests {
    /// Stands in for the bearer-token check: the principal comes from a test header.
    struct TestPrincipal: RouterMiddleware {
        typealias Context = ServiceRequestContext
        func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response)
            async throws -> Response
        {
            var context = context
            if let subject = request.headers[.init("X-Test-Subject")!] {
                context.principal = Principal(
                    subject: subject, issuer: "test", platformRoles: [], realmRoles: ["acme": ["requester"]],
                    expiresAt: Date().addingTimeInterval(600))
            }
            return try await next(request, context)
        }
    }

    static func application() -> some ApplicationProtocol {
        let router = Router(context: ServiceRequestContext.self)
        router.add(middleware: ProblemMiddleware())
        router.add(middleware: TestPrincipal())
        router.post("v1/realms/:realm/requests") { _, ctx -> String in
            _ = try ctx.authorize(.submitRequest)
            throw Problem.refused("policy-mismatch", "does not satisfy policy p v1", violations: ["cn: required"])
        }
        router.post("v1/realms/:realm/approvals/:id/approve") { _, ctx -> String in
            _ = try ctx.authorize(.decideApproval)
            return "never"
        }
        router.get("v1/busy") { _, _ -> String in throw Problem.rateLimited("slow down", retryAfter: 7) }
        return Application(router: router)
    }

    struct Document: Decodable {
        var type: String
        var status: Int
        var code: String
        var detail: String
        var violations: [String]?
    }

    static func problem(_ response: TestResponse) throws -> Document {
        #expect(response.headers[.contentType] == "application/problem+json")
        return try JSONDecoder().decode(Document.self, from: Data(buffer: response.body))
    }

    @Test("a refusal is a 422 with its code and one violation per rule")
    func refused() async throws {
        try await Self.application().test(.router) { client in
            let response = try await client.execute(
                uri: "/v1/realms/acme/requests", method: .post, headers: [.init("X-Test-Subject")!: "kim"])
            #expect(response.status == .unprocessableContent)
            let document = try Self.problem(response)
            #expect(document.code == "policy-mismatch" && document.type == "/problems/policy-mismatch")
            #expect(document.violations == ["cn: required"])
        }
    }

    @Test("a realm without a role is a 404 like an unknown one; a missing role is a 403 naming the roles")
    func realms() async throws {
        try await Self.application().test(.router) { client in
            let subject: HTTPFields = [.init("X-Test-Subject")!: "kim"]
            let foreign = try await client.execute(uri: "/v1/realms/other/requests", method: .post, headers: subject)
            #expect(foreign.status == .notFound)
            #expect(try Self.problem(foreign).detail == "realm 'other' not found")
            let approve = try await client.execute(
                uri: "/v1/realms/acme/approvals/x/approve", method: .post, headers: subject)
            #expect(approve.status == .forbidden)
            #expect(try Self.problem(approve).detail.contains("approver"))
            let anonymous = try await client.execute(uri: "/v1/realms/acme/requests", method: .post)
            #expect(anonymous.status == .unauthorized)
        }
    }

    @Test("retryAfter becomes a Retry-After header")
    func retryAfter() async throws {
        try await Self.application().test(.router) { client in
            let response = try await client.execute(uri: "/v1/busy", method: .get)
            #expect(response.status == .tooManyRequests)
            #expect(response.headers[.retryAfter] == "7")
            #expect(try Self.problem(response).code == "rate-limited")
        }
    }
}
