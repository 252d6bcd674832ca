import CLMContracts
import Foundation
import Logging
import Synchronization
import Testing

@testable import Approval

@Suite("Approval: mailing and confirming verification links")
struct VerificationMailUseCaseTests {
    typealias Fixtures = ApprovalFixtures
    static let lease = Duration.seconds(70)

    static func sender(_ storage: FakeApprovalStorage, _ mailer: any MailSending, maxAttempts: Int = 3)
        -> SendVerificationMail
    {
        SendVerificationMail(
            storage: storage, mailer: mailer, publicURL: "https://clm.test", maxAttempts: maxAttempts, lease: lease)
    }

    static func emailRequest(_ storage: FakeApprovalStorage, emails: [String] = ["a@test.example"]) async throws
        -> UUID
    {
        let submitted = Fixtures.submitted(mode: .email, emails: emails)
        try await Fixtures.start(submitted, in: storage)
        return submitted.request
    }

    /// The token of the link in a verification mail.
    static func token(_ message: MailMessage) throws -> String {
        let link = try #require(
            message.textBody.components(separatedBy: .whitespacesAndNewlines).first { $0.contains("/v1/verify/") })
        #expect(link.hasPrefix("https://clm.test/v1/verify/"))
        return String(link.split(separator: "/").last ?? "")
    }

    @Test("the SMTP conversation runs outside any transaction, under a claim other mailers respect")
    func noTransactionDuringSMTP() async throws {
        let storage = FakeApprovalStorage()
        let id = try await Self.emailRequest(storage)
        let seen = Mutex<[String]>([])
        let other = Self.sender(storage, FakeMailer())
        let mailer = FakeMailer(during: {
            let claimedElsewhere = (try? await other.sendNext(logger: storage.logger)) ?? nil
            seen.withLock {
                $0 = [
                    "open transactions: \(storage.openTransactions)",
                    "state: \(storage.tables.verifications.first?.state.rawValue ?? "-")",
                    "other mailer claimed: \(claimedElsewhere != nil)",
                ]
            }
        })
        #expect(try await Self.sender(storage, mailer).sendNext(logger: storage.logger) == .sent)
        #expect(seen.withLock { $0 } == ["open transactions: 0", "state: sending", "other mailer claimed: false"])

        let message = try #require(mailer.sent.first)
        #expect(message.to == ["a@test.example"])
        #expect(message.subject == "Confirm the certificate request for www.test.example (r1)")
        let row = try #require(storage.tables.verifications.first)
        #expect(row.state == .sent && row.attempts == 1 && row.sentAt == storage.now && row.lastError == nil)
        #expect(row.tokenHash == VerificationToken.hash(ofLink: try Self.token(message)))
        #expect(try await Self.sender(storage, mailer).sendNext(logger: storage.logger) == nil, "nothing else is due")
        #expect(storage.tables.decisions[id]?.state == .awaitingVerification)
    }

    @Test("a transient failure is retried after a backoff; the retry carries a new token")
    func retry() async throws {
        let storage = FakeApprovalStorage()
        _ = try await Self.emailRequest(storage)
        let mailer = FakeMailer(failures: [SMTPError(.timeout, reason: "no answer")])
        let send = Self.sender(storage, mailer)
        #expect(try await send.sendNext(logger: storage.logger) == .retrying)
        var row = try #require(storage.tables.verifications.first)
        #expect(row.state == .retrying && row.attempts == 1 && row.lastError?.contains("timeout") == true)
        #expect(row.nextAttemptAt == storage.now.addingTimeInterval(2))
        let firstHash = row.tokenHash
        #expect(try await send.sendNext(logger: storage.logger) == nil, "not due before the backoff")
        storage.now = storage.now.addingTimeInterval(2)
        #expect(try await send.sendNext(logger: storage.logger) == .sent)
        row = try #require(storage.tables.verifications.first)
        #expect(row.state == .sent && row.attempts == 2 && row.tokenHash != firstHash)
    }

    @Test("a permanent failure, or the last attempt, fails the request and ends its other links")
    func failure() async throws {
        let both = ["a@test.example", "b@test.example"]
        for (failures, attempts, emails, states) in [
            ([SMTPError(.rejected, replyCode: 550, reason: "no such mailbox")], 1, both, [.failed, .expired]),
            (
                Array(repeating: SMTPError(.connectionClosed, reason: "gone"), count: 3), 3, ["a@test.example"],
                [.failed]
            ),
        ] as [([SMTPError], Int, [String], [VerificationState])] {
            let storage = FakeApprovalStorage()
            let id = try await Self.emailRequest(storage, emails: emails)
            let send = Self.sender(storage, FakeMailer(failures: failures), maxAttempts: 3)
            var outcome: SendVerificationMail.Outcome?
            for _ in 1...attempts {
                storage.now = storage.now.addingTimeInterval(600)
                outcome = try await send.sendNext(logger: storage.logger)
            }
            #expect(outcome == .failed)
            #expect(storage.tables.decisions[id]?.state == .failed)
            #expect(storage.tables.decisions[id]?.decidedBy == "system:mail")
            let failed = try #require(storage.events(RequestFailed.self, about: id).first)
            #expect(failed.code == "verification-mail-failed" && failed.failedBy == "approval")
            #expect(failed.reason.contains("after \(attempts) attempt(s)"), "\(failed.reason)")
            #expect(storage.tables.verifications.map(\.state) == states)
        }
    }

    @Test("a send that outlives its claim records nothing: the request expired, or another mailer took over")
    func lostClaim() async throws {
        let storage = FakeApprovalStorage()
        let id = try await Self.emailRequest(storage)
        let expire = FakeMailer(
            failures: [SMTPError(.rejected, replyCode: 550, reason: "no")],
            during: {
                storage.update { tables in
                    tables.decisions[id]?.state = .expired
                    tables.verifications[0].state = .expired
                }
            })
        #expect(try await Self.sender(storage, expire).sendNext(logger: storage.logger) == .lost)
        #expect(storage.tables.decisions[id]?.state == .expired)
        #expect(storage.events(RequestFailed.self, about: id).isEmpty)

        let second = FakeApprovalStorage()
        _ = try await Self.emailRequest(second)
        let overtaken = FakeMailer(during: {
            second.now = second.now.addingTimeInterval(71)
            _ = try? await Self.sender(second, FakeMailer()).sendNext(logger: second.logger)
        })
        #expect(try await Self.sender(second, overtaken).sendNext(logger: second.logger) == .lost)
        let row = try #require(second.tables.verifications.first)
        #expect(row.state == .sent && row.attempts == 2, "the mailer that took over recorded its own send")
    }

    @Test("a round stuck in SMTP is cut off by its deadline, and the mailer goes on with the next mail")
    func stuckRound() async throws {
        let storage = FakeApprovalStorage()
        _ = try await Self.emailRequest(storage, emails: ["stuck@test.example"])
        _ = try await Self.emailRequest(storage, emails: ["next@test.example"])
        let mailer = StallingMailer(stalling: "stuck@test.example")
        let sender = Self.sender(storage, mailer)
        let service = QueuedMailer(
            name: "verification mailer", sendNext: { try await sender.sendNext(logger: $0) != nil }, mailDue: .init(),
            roundTimeout: .milliseconds(200), logger: storage.logger)
        let run = Task { try await service.run() }
        defer {
            run.cancel()
            mailer.release()
        }
        let deadline = ContinuousClock.now + .seconds(10)
        while mailer.delivered.isEmpty && ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(20))
        }
        #expect(mailer.delivered == ["next@test.example"])
        let states = Dictionary(uniqueKeysWithValues: storage.tables.verifications.map { ($0.email, $0.state) })
        #expect(states == ["stuck@test.example": .sending, "next@test.example": .sent])
    }
}

/// Never answers for one address (and ignores cancellation, like a dead connection) until
/// released; sends the rest.
final class StallingMailer: MailSending {
    let stalling: String
    private let sent = Mutex<[String]>([])
    private let stalled = Mutex<[CheckedContinuation<Void, Never>]>([])
    init(stalling: String) { self.stalling = stalling }
    var delivered: [String] { sent.withLock { $0 } }

    func send(_ message: MailMessage, logger: Logger) async throws {
        if message.to == [stalling] {
            await withCheckedContinuation { continuation in stalled.withLock { $0.append(continuation) } }
            return
        }
        sent.withLock { $0 += message.to }
    }

    func release() {
        for continuation in stalled.withLock({ waiting in
            defer { waiting = [] }
            return waiting
        }) {
            continuation.resume()
        }
    }
}
