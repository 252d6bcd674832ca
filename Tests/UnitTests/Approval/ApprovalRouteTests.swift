import CLMContracts
import CLMIdentity
import CLMServiceKit
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing

@testable import Approval

/// `/v1/realms/{realm}/approvals` in-process: the real routes and use cases over the
/// in-memory approval storage, with the principal taken from a test header.
@Suite("Approval: the approval routes")
struct ApprovalRouteTests {
    typealias Fixtures = ApprovalFixtures

    static let bob = "bob@test.example"
    static let carol = "carol@test.example"
    static let auditor = "dave@test.example"
    static let outsider = "eve@test.example"

    static let callers = TestCallers(realmRoles: [
        (Fixtures.requester, [Fixtures.realm: Set(["requester", "approver"])]),
        (bob, [Fixtures.realm: ["approver"]]), (carol, [Fixtures.realm: ["approver"]]),
        (auditor, [Fixtures.realm: ["auditor"]]), (outsider, ["other": ["approver"]]),
    ])

    static func application(_ storage: FakeApprovalStorage, verifyRate: Int = 100) -> some ApplicationProtocol {
        let router = Router(context: ServiceRequestContext.self)
        router.add(middleware: ProblemMiddleware())
        router.add(middleware: callers)
        ApprovalRoutes(view: ViewApprovals(storage: storage), castVote: CastVote(storage: storage)).add(to: router)
        VerificationRoutes(confirmAddress: ConfirmAddress(storage: storage), ratePerSecond: verifyRate).add(to: router)
        return Application(router: router)
    }

    /// A storage whose clock is the routes' (they judge deadlines against `Date()`), holding a
    /// manual request of `Fixtures.requester` that needs two approvers.
    static func waiting() async throws -> (FakeApprovalStorage, UUID) {
        let storage = FakeApprovalStorage()
        storage.now = Date()
        let submitted = Fixtures.submitted(mode: .manual, approvers: 2)
        try await Fixtures.start(submitted, in: storage)
        return (storage, submitted.request)
    }

    static func call(
        _ client: some TestClientProtocol, _ path: String, _ method: HTTPRequest.Method = .get, as subject: String?,
        body: String? = nil
    ) async throws -> TestResponse {
        var headers: HTTPFields = [.contentType: "application/json"]
        if let subject { headers[TestCallers.header] = subject }
        return try await client.execute(
            uri: "/v1/realms/\(path)", method: method, headers: headers, body: body.map { ByteBuffer(string: $0) })
    }

    static func vote(
        _ client: some TestClientProtocol, _ id: UUID, _ vote: String, as subject: String, body: String
    ) async throws -> TestResponse {
        try await call(client, "r1/approvals/\(id.uuidString)/\(vote)", .post, as: subject, body: body)
    }

    static func decode<T: Decodable>(_: T.Type, _ response: TestResponse) throws -> T {
        #expect(response.headers[.contentType] == "application/json")
        return try ContractCoding.decoder().decode(T.self, from: Data(buffer: response.body))
    }

    /// The problem document of `response`, which must have `status`.
    static func problem(
        _ response: TestResponse, _ status: HTTPResponse.Status, sourceLocation: SourceLocation = #_sourceLocation
    ) throws -> ProblemRouteTests.Document {
        #expect(response.status == status, sourceLocation: sourceLocation)
        return try ProblemRouteTests.problem(response)
    }

    @Test("the list is the pending requests by default, any state on request; an unknown state is a 400")
    func list() async throws {
        let (storage, first) = try await Self.waiting()
        let second = Fixtures.submitted(mode: .manual)
        try await Fixtures.start(second, in: storage)
        try await Fixtures.start(Fixtures.submitted(mode: .automatic), in: storage)
        try await Self.application(storage).test(.router) { client in
            let pending = try await Self.call(client, "r1/approvals", as: Self.auditor)
            #expect(pending.status == .ok)
            let decisions = try Self.decode([DecisionView].self, pending)
            #expect(Set(decisions.map(\.request)) == [first, second.request])
            #expect(decisions.allSatisfy { $0.state == .awaitingApproval && $0.mode == .manual })

            let all = try await Self.call(client, "r1/approvals?state=all", as: Self.auditor)
            #expect(try Self.decode([DecisionView].self, all).count == 3)
            let approved = try Self.decode(
                [DecisionView].self, try await Self.call(client, "r1/approvals?state=approved", as: Self.bob))
            #expect(approved.map(\.decidedBy) == ["system:automatic"])
            let limited = try await Self.call(client, "r1/approvals?state=all&limit=1", as: Self.bob)
            #expect(try Self.decode([DecisionView].self, limited).count == 1)

            let bogus = try await Self.call(client, "r1/approvals?state=bogus", as: Self.bob)
            let problem = try Self.problem(bogus, .badRequest)
            #expect(problem.code == "invalid-query" && problem.detail == "state: pending, all, or a request state")
        }
    }

    @Test("one approval is shown by id; unknown and malformed ids and a foreign realm are 404, no token 401")
    func show() async throws {
        let (storage, id) = try await Self.waiting()
        try await Self.application(storage).test(.router) { client in
            let shown = try await Self.call(client, "r1/approvals/\(id.uuidString)", as: Self.bob)
            #expect(shown.status == .ok)
            let decision = try Self.decode(DecisionView.self, shown)
            #expect(decision.request == id && decision.realm == "r1" && decision.requester == Fixtures.requester)
            #expect(decision.policy == "web-server" && decision.policyVersion == 3 && decision.required == 2)
            #expect(decision.state == .awaitingApproval && decision.votes.isEmpty)
            #expect(decision.subject == [.init(type: "CN", value: "www.test.example")])

            let unknown = try await Self.call(client, "r1/approvals/\(UUID().uuidString)", as: Self.bob)
            #expect(try Self.problem(unknown, .notFound).code == "not-found")
            let malformed = try await Self.call(client, "r1/approvals/nope", as: Self.bob)
            #expect(try Self.problem(malformed, .notFound).detail == "approval of request 'nope' not found")
            let foreign = try await Self.call(client, "r1/approvals/\(id.uuidString)", as: Self.outsider)
            #expect(try Self.problem(foreign, .notFound).detail == "realm 'r1' not found")
            let anonymous = try await Self.call(client, "r1/approvals/\(id.uuidString)", as: nil)
            #expect(try Self.problem(anonymous, .unauthorized).code == "unauthenticated")
        }
    }

    @Test("two approvers approve, each vote answering the decision; the same approver again is a 409")
    func approve() async throws {
        let (storage, id) = try await Self.waiting()
        try await Self.application(storage).test(.router) { client in
            let first = try await Self.vote(client, id, "approve", as: Self.bob, body: #"{"comment":"looks right"}"#)
            #expect(first.status == .ok)
            let recorded = try Self.decode(DecisionView.self, first)
            #expect(recorded.state == .awaitingApproval && recorded.approvals == [Self.bob])
            #expect(recorded.votes.map(\.comment) == ["looks right"] && recorded.votes.map(\.vote) == ["approve"])

            let again = try await Self.vote(client, id, "approve", as: Self.bob, body: "{}")
            let problem = try Self.problem(again, .conflict)
            #expect(problem.code == "already-approved")
            #expect(problem.detail == "\(Self.bob) already approved request \(id)")

            let second = try await Self.vote(client, id, "approve", as: Self.carol, body: "{}")
            #expect(second.status == .ok)
            let approved = try Self.decode(DecisionView.self, second)
            #expect(approved.state == .approved && approved.decidedBy == "\(Self.bob), \(Self.carol)")
            #expect(approved.reason == "approved by \(Self.bob), \(Self.carol) (2 of 2)")
        }
        #expect(storage.events(RequestApproved.self, about: id).map(\.approvedBy) == [[Self.bob, Self.carol]])
        #expect(storage.tables.audit.map(\.action) == ["approval.approved", "approval.approved"])
    }

    @Test("a decline must say why (400 malformed-body, 400 missing-field); bodies over 8 KiB are 413")
    func decline() async throws {
        let (storage, id) = try await Self.waiting()
        try await Self.application(storage).test(.router) { client in
            let absent = try await Self.vote(client, id, "decline", as: Self.bob, body: "{}")
            let missing = try Self.problem(absent, .badRequest)
            #expect(missing.code == "malformed-body" && missing.detail == "missing field 'reason'")
            let blank = try await Self.vote(client, id, "decline", as: Self.bob, body: #"{"reason":"   "}"#)
            let unsaid = try Self.problem(blank, .badRequest)
            #expect(unsaid.code == "missing-field" && unsaid.detail == "reason: say why (1...1000 characters)")
            let long = #"{"comment":"\#(String(repeating: "x", count: 1001))"}"#
            let wordy = try Self.problem(
                try await Self.vote(client, id, "approve", as: Self.bob, body: long), .badRequest)
            #expect(wordy.code == "invalid-field" && wordy.detail == "comment: at most 1000 characters")
            let huge = #"{"reason":"\#(String(repeating: "x", count: 9000))"}"#
            let tooLarge = try Self.problem(
                try await Self.vote(client, id, "decline", as: Self.bob, body: huge), .contentTooLarge)
            #expect(tooLarge.code == "body-too-large" && tooLarge.detail == "body exceeds 8192 bytes")
            #expect(storage.tables.decisions[id]?.votes.isEmpty == true)

            let declined = try await Self.vote(client, id, "decline", as: Self.bob, body: #"{"reason":"wrong CN"}"#)
            #expect(declined.status == .ok)
            let decision = try Self.decode(DecisionView.self, declined)
            #expect(decision.state == .declined && decision.decidedBy == Self.bob && decision.reason == "wrong CN")
        }
        #expect(storage.events(RequestDeclined.self, about: id).map(\.reason) == ["wrong CN"])
    }

    @Test("only approvers vote, never on their own request: auditor 403, requester 403 self-approval, outsider 404")
    func whoVotes() async throws {
        let (storage, id) = try await Self.waiting()
        try await Self.application(storage).test(.router) { client in
            let auditor = try await Self.vote(client, id, "approve", as: Self.auditor, body: "{}")
            let forbidden = try Self.problem(auditor, .forbidden)
            #expect(forbidden.code == "forbidden" && forbidden.detail == "decideApproval needs the role approver")

            let own = try await Self.vote(client, id, "approve", as: Fixtures.requester, body: "{}")
            let selfApproval = try Self.problem(own, .forbidden)
            #expect(selfApproval.code == "self-approval")
            #expect(selfApproval.detail == "the requester cannot approve their own request")

            let foreign = try await Self.vote(client, id, "approve", as: Self.outsider, body: "{}")
            #expect(try Self.problem(foreign, .notFound).detail == "realm 'r1' not found")
            // The caller is judged before the body: a stranger's bad or oversized body is the
            // same 404, and an auditor's the same 403.
            for body in ["not json", String(repeating: "x", count: 9 * 1024)] {
                for verb in ["approve", "decline"] {
                    let stranger = try await Self.vote(client, id, verb, as: Self.outsider, body: body)
                    #expect(try Self.problem(stranger, .notFound).detail == "realm 'r1' not found")
                    let reader = try await Self.vote(client, id, verb, as: Self.auditor, body: body)
                    #expect(try Self.problem(reader, .forbidden).code == "forbidden")
                }
            }
            let unknown = try await Self.vote(client, UUID(), "approve", as: Self.bob, body: "{}")
            #expect(try Self.problem(unknown, .notFound).code == "not-found")
        }
        #expect(storage.tables.decisions[id]?.votes.isEmpty == true)
        #expect(storage.tables.decisions[id]?.state == .awaitingApproval && storage.tables.audit.isEmpty)
    }
}
