import CLMContracts
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

@testable import Approval

/// `/v1/verify/{token}` in-process: the mailed links need no token; `GET` shows, `POST`
/// confirms, and the whole process answers at most so many per second.
@Suite("Approval: the verification link routes")
struct VerificationRouteTests {
    typealias Fixtures = ApprovalFixtures
    typealias Routes = ApprovalRouteTests

    /// A request waiting for two addresses whose mails went out, and each address's link token.
    static func mailed() async throws -> (FakeApprovalStorage, UUID, [String]) {
        let storage = FakeApprovalStorage()
        storage.now = Date()
        let submitted = Fixtures.submitted(mode: .email, emails: ["a@test.example", "b@test.example"])
        try await Fixtures.start(submitted, in: storage)
        let tokens = [VerificationToken.random(), VerificationToken.random()]
        let now = storage.now
        storage.update { tables in
            for index in tables.verifications.indices {
                tables.verifications[index].tokenHash = tokens[index].hash
                tables.verifications[index].state = .sent
                tables.verifications[index].sentAt = now
            }
        }
        return (storage, submitted.request, tokens.map(\.text))
    }

    static func link(
        _ client: some TestClientProtocol, _ token: String, _ method: HTTPRequest.Method = .get, json: Bool = true
    ) async throws -> TestResponse {
        try await client.execute(
            uri: "/v1/verify/\(token)", method: method, headers: json ? [.accept: "application/json"] : [:])
    }

    @Test("GET shows the link as JSON or as a page and changes nothing; each POST confirms; the last approves")
    func confirms() async throws {
        let (storage, id, tokens) = try await Self.mailed()
        try await Routes.application(storage).test(.router) { client in
            let shown = try await Self.link(client, tokens[0])
            #expect(shown.status == .ok && shown.headers[.cacheControl] == "no-store")
            let view = try Routes.decode(LinkView.self, shown)
            #expect(view.request == id && view.email == "a@test.example" && !view.confirmed)
            #expect(view.realm == "r1" && view.requester == Fixtures.requester && view.policy == "web-server")

            let page = try await Self.link(client, tokens[0], json: false)
            #expect(page.headers[.contentType] == "text/html; charset=utf-8")
            #expect(page.headers[.contentSecurityPolicy] == "default-src 'none'; form-action 'self'")
            #expect(String(buffer: page.body).contains("<form method=\"post\">"))
            #expect(storage.tables.verifications.allSatisfy { $0.state == .sent })

            let first = try await Self.link(client, tokens[0], .post)
            #expect(first.status == .ok)
            #expect(try Routes.decode(LinkView.self, first).confirmed)
            #expect(storage.tables.decisions[id]?.state == .awaitingVerification)

            let last = try await Self.link(client, tokens[1], .post, json: false)
            #expect(last.status == .ok)
            #expect(String(buffer: last.body).contains("<strong>Confirmed.</strong>"))
        }
        #expect(storage.tables.decisions[id]?.state == .approved)
        #expect(storage.tables.decisions[id]?.decidedBy == "email:a@test.example, email:b@test.example")
    }

    @Test("an unknown or malformed token is a 404 unknown-link; a used link is a 410 link-used")
    func refusals() async throws {
        let (storage, _, tokens) = try await Self.mailed()
        try await Routes.application(storage).test(.router) { client in
            let unknown = try await Self.link(client, VerificationToken.random().text)
            #expect(try Routes.problem(unknown, .notFound).code == "unknown-link")
            let malformed = try await Self.link(client, "short", .post)
            #expect(try Routes.problem(malformed, .notFound).code == "unknown-link")

            #expect(try await Self.link(client, tokens[0], .post).status == .ok)
            let used = try Routes.problem(try await Self.link(client, tokens[0], .post), .gone)
            #expect(used.code == "link-used" && used.detail == "this verification link was used already")
            let shown = try await Self.link(client, tokens[0])
            #expect(try Routes.problem(shown, .gone).code == "link-used")
        }
        #expect(storage.tables.verifications.filter { $0.state == .confirmed }.count == 1)
    }

    @Test("past the process's rate the links answer 429 rate-limited with Retry-After 1")
    func rateLimited() async throws {
        let (storage, _, tokens) = try await Self.mailed()
        try await Routes.application(storage, verifyRate: 2).test(.router) { client in
            #expect(try await Self.link(client, tokens[0]).status == .ok)
            #expect(try await Self.link(client, tokens[1]).status == .ok)
            let limited = try await Self.link(client, tokens[0], .post)
            #expect(limited.headers[.retryAfter] == "1")
            #expect(try Routes.problem(limited, .tooManyRequests).code == "rate-limited")
        }
        #expect(storage.tables.verifications.allSatisfy { $0.state == .sent }, "the refused POST confirmed nothing")
    }
}
