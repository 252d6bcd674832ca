import CLMContracts
import Foundation
import Testing

@testable import Approval

@Suite("Approval: confirming an address")
struct ConfirmAddressTests {
    typealias Fixtures = ApprovalFixtures

    /// A request waiting for `emails`, with every mail sent; returns the id and each address's token.
    static func mailed(_ storage: FakeApprovalStorage, emails: [String]) async throws -> (UUID, [String: String]) {
        let submitted = Fixtures.submitted(mode: .email, emails: emails)
        try await Fixtures.start(submitted, in: storage)
        let mailer = FakeMailer()
        let send = VerificationMailUseCaseTests.sender(storage, mailer)
        while try await send.sendNext(logger: storage.logger) != nil {}
        var tokens: [String: String] = [:]
        for message in mailer.sent { tokens[message.to[0]] = try VerificationMailUseCaseTests.token(message) }
        return (submitted.request, tokens)
    }

    static func problem(_ body: () async throws -> LinkView) async -> Problem? {
        await #expect(throws: Problem.self) { _ = try await body() }
    }

    @Test("showing a link changes nothing; each confirmation counts; the last one approves the request")
    func confirmations() async throws {
        let storage = FakeApprovalStorage()
        let (id, tokens) = try await Self.mailed(storage, emails: ["a@test.example", "b@test.example"])
        let confirm = ConfirmAddress(storage: storage)
        let shown = try await confirm.preview(token: try #require(tokens["b@test.example"]), logger: storage.logger)
        #expect(shown.email == "b@test.example" && !shown.confirmed && shown.requester == Fixtures.requester)
        #expect(storage.tables.verifications.allSatisfy { $0.state == .sent })

        let first = try await confirm.confirm(token: try #require(tokens["b@test.example"]), logger: storage.logger)
        #expect(first.confirmed && first.request == id)
        let awaiting = try #require(storage.events(RequestAwaiting.self, about: id).last)
        #expect(awaiting.received == ["email:b@test.example"] && awaiting.required == 2)
        #expect(awaiting.reason == "b@test.example confirmed (1 of 2)")
        #expect(storage.tables.decisions[id]?.state == .awaitingVerification)

        _ = try await confirm.confirm(token: try #require(tokens["a@test.example"]), logger: storage.logger)
        #expect(storage.tables.decisions[id]?.state == .approved)
        #expect(storage.tables.decisions[id]?.decidedBy == "email:a@test.example, email:b@test.example")
        let approved = try #require(storage.events(RequestApproved.self, about: id).first)
        #expect(approved.reason == "e-mail verified by a@test.example, b@test.example")
        #expect(storage.tables.audit.map(\.actor) == ["email:b@test.example", "email:a@test.example"])
        #expect(storage.tables.audit.allSatisfy { $0.action == "email.confirmed" })
    }

    @Test("a link works once; unknown and malformed tokens are not found; links of ended requests are gone")
    func refusals() async throws {
        let storage = FakeApprovalStorage()
        let (id, tokens) = try await Self.mailed(storage, emails: ["a@test.example", "b@test.example"])
        let confirm = ConfirmAddress(storage: storage)
        let a = try #require(tokens["a@test.example"])
        _ = try await confirm.confirm(token: a, logger: storage.logger)
        #expect(await Self.problem { try await confirm.confirm(token: a, logger: storage.logger) }?.code == "link-used")
        #expect(await Self.problem { try await confirm.preview(token: a, logger: storage.logger) }?.kind == .gone)
        let unknown = VerificationToken.random().text
        #expect(
            await Self.problem { try await confirm.confirm(token: unknown, logger: storage.logger) }?.code
                == "unknown-link")
        #expect(
            await Self.problem { try await confirm.preview(token: "short", logger: storage.logger) }?.code
                == "unknown-link")

        let b = try #require(tokens["b@test.example"])
        storage.now = storage.now.addingTimeInterval(25 * 3600)
        let late = await Self.problem { try await confirm.confirm(token: b, logger: storage.logger, now: storage.now) }
        #expect(late?.code == "link-expired" && late?.detail == "this verification link expired")
        _ = try await ExpireWaits(storage: storage).run(logger: storage.logger)
        let ended = await Self.problem { try await confirm.preview(token: b, logger: storage.logger) }
        #expect(ended?.detail == "the request is expired; it no longer waits for verification")
        #expect(storage.tables.decisions[id]?.state == .expired)
    }

    @Test("a link whose send failed was never known to arrive: it is not found")
    func failedSend() async throws {
        let storage = FakeApprovalStorage()
        let submitted = Fixtures.submitted(mode: .email, emails: ["a@test.example"])
        try await Fixtures.start(submitted, in: storage)
        let send = VerificationMailUseCaseTests.sender(
            storage, FakeMailer(failures: [SMTPError(.timeout, reason: "slow")]))
        #expect(try await send.sendNext(logger: storage.logger) == .retrying)
        let hash = try #require(storage.tables.verifications.first?.tokenHash)
        let record = try await storage.read(logger: storage.logger) { try await $0.link(hash) }
        #expect(throws: ConfirmAddress.unknownLink) { try ConfirmAddress.usable(record, now: storage.now) }
    }

    @Test("the link page escapes what it shows and offers a form only before confirming")
    func page() {
        let view = LinkView(
            request: UUID(), realm: "r1", email: "a@test.example", policy: "web<server>", requester: "\"eve\" & 'co'",
            subject: [.init(type: "CN", value: "<script>")], alternativeNames: [.init(kind: .dns, value: "a.test")],
            expiresAt: nil, confirmed: false)
        let open = VerificationPage.page(view, confirmedNow: false)
        #expect(open.contains("<form method=\"post\"><button type=\"submit\">Confirm this request</button></form>"))
        #expect(open.contains("<td>web&lt;server&gt;</td>"))
        #expect(open.contains("<td>&quot;eve&quot; &amp; &#39;co&#39;</td>"))
        #expect(open.contains("<td>CN=&lt;script&gt;</td>") && !open.contains("<script>"))
        #expect(open.contains("<td>dns:a.test</td>"))
        let done = VerificationPage.page(view, confirmedNow: true)
        #expect(done.contains("<strong>Confirmed.</strong>") && !done.contains("<form"))
    }
}
