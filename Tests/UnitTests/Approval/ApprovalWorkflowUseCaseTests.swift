import CLMContracts
import Foundation
import Testing

@testable import Approval

@Suite("Approval: starting, voting on and expiring workflows")
struct ApprovalWorkflowUseCaseTests {
    typealias Fixtures = ApprovalFixtures

    @Test("automatic approval decides at once; a replayed submission changes and publishes nothing")
    func automatic() async throws {
        let storage = FakeApprovalStorage()
        let submitted = Fixtures.submitted(mode: .automatic)
        #expect(try await Fixtures.start(submitted, in: storage) == .approved)
        #expect(try await Fixtures.start(submitted, in: storage) == .replayed)
        let decision = try #require(storage.tables.decisions[submitted.request])
        #expect(decision.state == .approved && decision.decidedBy == "system:automatic")
        let approved = storage.events(RequestApproved.self, about: submitted.request)
        #expect(approved.count == 1)
        #expect(approved.first?.approvedBy == ["system:automatic"])
        #expect(approved.first?.reason == "policy web-server v3 approves automatically")
        #expect(storage.tables.published.count == 1)
    }

    @Test("e-mail verification waits for every address, each with a link due at once")
    func email() async throws {
        let storage = FakeApprovalStorage()
        let submitted = Fixtures.submitted(mode: .email, emails: ["a@test.example", "b@test.example"])
        #expect(try await Fixtures.start(submitted, in: storage) == .awaitingVerification)
        let decision = try #require(storage.tables.decisions[submitted.request])
        #expect(decision.state == .awaitingVerification && decision.required == 2)
        #expect(decision.expiresAt == storage.now.addingTimeInterval(24 * 3600))
        #expect(storage.tables.verifications.map(\.state) == [.due, .due])
        let awaiting = try #require(storage.events(RequestAwaiting.self, about: submitted.request).first)
        #expect(awaiting.state == .awaitingVerification && awaiting.required == 2 && awaiting.received.isEmpty)
        #expect(awaiting.reason.hasPrefix("waiting for e-mail verification by a@test.example, b@test.example"))
    }

    @Test("e-mail verification without addresses is refused, and nothing is recorded")
    func emailWithoutAddresses() async throws {
        let storage = FakeApprovalStorage()
        let error = await #expect(throws: Problem.self) {
            try await Fixtures.start(Fixtures.submitted(mode: .email, emails: []), in: storage)
        }
        #expect(error?.code == "no-verification-addresses")
        #expect(storage.tables.decisions.isEmpty && storage.tables.published.isEmpty)
    }

    @Test("two distinct approvers approve a manual request; each vote is audited and announced")
    func fourEyes() async throws {
        let storage = FakeApprovalStorage()
        let submitted = Fixtures.submitted(mode: .manual)
        #expect(try await Fixtures.start(submitted, in: storage) == .awaitingApproval)
        let id = submitted.request
        let vote = CastVote(storage: storage)
        let first = try await vote.vote(
            .approve, on: id, realm: Fixtures.realm, by: "bob", comment: "fine", logger: storage.logger,
            now: storage.now)
        #expect(first.state == .awaitingApproval && first.votes.map(\.voter) == ["bob"])
        #expect(storage.events(RequestAwaiting.self, about: id).last?.received == ["bob"])
        let second = try await vote.vote(
            .approve, on: id, realm: Fixtures.realm, by: "carol", comment: nil, logger: storage.logger,
            now: storage.now)
        #expect(second.state == .approved && second.decidedBy == "bob, carol")
        #expect(storage.events(RequestApproved.self, about: id).first?.reason == "approved by bob, carol (2 of 2)")
        #expect(storage.tables.audit.map(\.action) == ["approval.approved", "approval.approved"])
        #expect(storage.tables.audit.first?.target == id.lowercasedString)
    }

    @Test("refused votes change nothing: self-approval, a second vote, another realm, a decline without reason")
    func refusals() async throws {
        let storage = FakeApprovalStorage()
        let submitted = Fixtures.submitted(mode: .manual)
        try await Fixtures.start(submitted, in: storage)
        let id = submitted.request
        let vote = CastVote(storage: storage)
        func refusal(_ kind: ApprovalRules.Vote, by voter: String, realm: String = Fixtures.realm, comment: String?)
            async -> Problem?
        {
            await #expect(throws: Problem.self) {
                try await vote.vote(
                    kind, on: id, realm: realm, by: voter, comment: comment, logger: storage.logger, now: storage.now)
            }
        }
        #expect(await refusal(.approve, by: Fixtures.requester, comment: nil)?.code == "self-approval")
        #expect(await refusal(.approve, by: "bob", realm: "other", comment: nil)?.kind == .notFound)
        #expect(await refusal(.decline, by: "bob", comment: "  ")?.code == "missing-field")
        let long = String(repeating: "x", count: 1001)
        #expect(await refusal(.approve, by: "bob", comment: long)?.code == "invalid-field")
        _ = try await vote.vote(
            .approve, on: id, realm: Fixtures.realm, by: "bob", comment: nil, logger: storage.logger)
        #expect(await refusal(.approve, by: "bob", comment: nil)?.code == "already-approved")
        #expect(storage.tables.decisions[id]?.votes.count == 1)
        #expect(storage.tables.audit.count == 1)
    }

    @Test("a decline ends the request at once with its reason; afterwards it takes no votes")
    func decline() async throws {
        let storage = FakeApprovalStorage()
        let submitted = Fixtures.submitted(mode: .manual)
        try await Fixtures.start(submitted, in: storage)
        let id = submitted.request
        let vote = CastVote(storage: storage)
        let declined = try await vote.vote(
            .decline, on: id, realm: Fixtures.realm, by: "bob", comment: "unknown host", logger: storage.logger)
        #expect(declined.state == .declined && declined.reason == "unknown host")
        #expect(storage.events(RequestDeclined.self, about: id).first?.declinedBy == "bob")
        let late = await #expect(throws: Problem.self) {
            try await vote.vote(
                .approve, on: id, realm: Fixtures.realm, by: "carol", comment: nil, logger: storage.logger)
        }
        #expect(late?.code == "not-awaiting-approval" && late?.kind == .conflict)
    }

    @Test("waits past their deadline expire with how far they got; their links end; others keep waiting")
    func expiry() async throws {
        let storage = FakeApprovalStorage()
        let manual = Fixtures.submitted(mode: .manual)
        let email = Fixtures.submitted(mode: .email, emails: ["a@test.example"])
        try await Fixtures.start(manual, in: storage)
        try await Fixtures.start(email, in: storage)
        storage.now = storage.now.addingTimeInterval(73 * 3600)
        let later = Fixtures.submitted(mode: .manual)
        try await Fixtures.start(later, in: storage)
        #expect(try await ExpireWaits(storage: storage).run(logger: storage.logger) == 2)
        #expect(storage.tables.decisions[manual.request]?.state == .expired)
        #expect(storage.tables.decisions[later.request]?.state == .awaitingApproval)
        #expect(
            storage.events(RequestExpired.self, about: manual.request).first?.reason
                == "expired: not approved in time (0 of 2 approvals)")
        #expect(
            storage.events(RequestExpired.self, about: email.request).first?.reason
                == "expired: e-mail verification not completed in time (0 of 1 confirmed)")
        #expect(storage.tables.verifications.map(\.state) == [.expired])
        #expect(storage.tables.audit.map(\.actor) == ["system:expiry", "system:expiry"])
        storage.isAvailable = false
        #expect(try await ExpireWaits(storage: storage).run(logger: storage.logger) == 0)
    }

    @Test("the approvals list filters by state")
    func listing() async throws {
        #expect(try ViewApprovals.states("pending") == [.awaitingApproval, .awaitingVerification])
        #expect(try ViewApprovals.states("all") == RequestState.allCases)
        #expect(try ViewApprovals.states("declined") == [.declined])
        #expect(throws: Problem.invalid("invalid-query", "")) { try ViewApprovals.states("nonsense") }
    }
}
