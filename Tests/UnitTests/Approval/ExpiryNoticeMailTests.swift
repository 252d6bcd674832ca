import CLMContracts
import Foundation
import Testing

@testable import Approval

/// Expiry warnings as mail: who gets one, that a re-delivered notice queues none, and that
/// each queued mail is sent once, retried like a verification link.
@Suite("Approval: expiry notice mails")
struct ExpiryNoticeMailTests {
    static func notice(
        requester: String = "alice@test.example", emails: [String] = ["web@test.example"], threshold: Int = 604_800
    ) -> CertificateExpiring {
        CertificateExpiring(
            request: UUID(), realm: "r1", ca: "default", serialNumber: "4F2A9C0017E3B5D8",
            subject: "CN=www.test.example", notAfter: Date(timeIntervalSince1970: 1_800_600_000),
            thresholdSeconds: threshold, requester: requester, alternativeNames: ["dns:www.test.example"],
            emails: emails)
    }

    static func sender(_ storage: FakeApprovalStorage, _ mailer: FakeMailer) -> SendNoticeMail {
        SendNoticeMail(storage: storage, mailer: mailer, maxAttempts: 3, lease: .seconds(60))
    }

    @Test("the requester when it is a mail address, and the entities' addresses, each once")
    func recipients() {
        #expect(
            ExpiryNoticeMail.recipients(of: Self.notice(emails: ["web@test.example", "ALICE@test.example"]))
                == ["alice@test.example", "web@test.example"])
        #expect(
            ExpiryNoticeMail.recipients(
                of: Self.notice(requester: "svc-deploy", emails: ["bad address", "a@b.example"]))
                == ["a@b.example"])
        #expect(ExpiryNoticeMail.recipients(of: Self.notice(requester: "svc-deploy", emails: [])).isEmpty)
    }

    @Test("the mail names the certificate, its expiry and how to renew it")
    func message() {
        let message = ExpiryNoticeMail.message(to: "alice@test.example", notice: Self.notice())
        #expect(message.to == ["alice@test.example"])
        #expect(message.subject == "Certificate CN=www.test.example expires within 7d (r1)")
        for text in [
            "4F2A9C0017E3B5D8", "CA:            default", "2027-01-22T", "clm cert renew --realm r1",
            "/v1/realms/r1/certificates/4F2A9C0017E3B5D8/renew",
        ] {
            #expect(message.textBody.contains(text), "\(text)")
        }
    }

    @Test("a notice queues one mail per address; the same notice again queues nothing")
    func idempotent() async throws {
        let storage = FakeApprovalStorage()
        let notice = Self.notice()
        let first = try await storage.transaction(logger: storage.logger) {
            try await QueueExpiryNotice().queue(notice, in: $0)
        }
        let again = try await storage.transaction(logger: storage.logger) {
            try await QueueExpiryNotice().queue(notice, in: $0)
        }
        #expect(first == 2 && again == 0)
        #expect(storage.tables.noticeMails.map(\.email) == ["alice@test.example", "web@test.example"])
        #expect(storage.tables.audit.map(\.action) == ["certificate.expiry-mail.queued"])
        var next = notice
        next.thresholdSeconds = 86_400
        let later = try await storage.transaction(logger: storage.logger) {
            try await QueueExpiryNotice().queue(next, in: $0)
        }
        #expect(later == 2 && storage.tables.noticeMails.count == 4)
    }

    @Test("each queued mail is sent once; then nothing is due")
    func sentOnce() async throws {
        let storage = FakeApprovalStorage()
        let mailer = FakeMailer()
        _ = try await storage.transaction(logger: storage.logger) {
            try await QueueExpiryNotice().queue(Self.notice(), in: $0)
        }
        let sender = Self.sender(storage, mailer)
        #expect(try await sender.sendNext(logger: storage.logger) == .sent)
        #expect(try await sender.sendNext(logger: storage.logger) == .sent)
        #expect(try await sender.sendNext(logger: storage.logger) == nil)
        #expect(Set(mailer.sent.flatMap(\.to)) == ["alice@test.example", "web@test.example"])
        #expect(storage.tables.noticeMails.allSatisfy { $0.state == .sent && $0.sentAt != nil })
    }

    @Test("a transient failure is retried after a backoff; a permanent one ends the mail, audited")
    func failures() async throws {
        let storage = FakeApprovalStorage()
        let mailer = FakeMailer(failures: [
            SMTPError(.timeout, reason: "no answer"), SMTPError(.rejected, replyCode: 550, reason: "no such user"),
        ])
        _ = try await storage.transaction(logger: storage.logger) {
            try await QueueExpiryNotice().queue(Self.notice(emails: []), in: $0)
        }
        let sender = Self.sender(storage, mailer)
        #expect(try await sender.sendNext(logger: storage.logger) == .retrying)
        #expect(try await sender.sendNext(logger: storage.logger) == nil)
        storage.now = storage.now.addingTimeInterval(10)
        #expect(try await sender.sendNext(logger: storage.logger) == .failed)
        storage.now = storage.now.addingTimeInterval(3_600)
        #expect(try await sender.sendNext(logger: storage.logger) == nil)
        #expect(mailer.sent.isEmpty)
        #expect(storage.tables.noticeMails.first?.state == .failed)
        #expect(storage.tables.audit.last?.action == "certificate.expiry-mail.failed")
    }
}

@Suite("Approval: expiry notice mail lifecycle")
struct NoticeMailStateTests {
    static let allowed: Set<String> = [
        "due→sending", "retrying→sending", "sending→sending", "sending→sent", "sending→retrying", "sending→failed",
    ]

    @Test(
        "every pair of states is allowed or refused as the lifecycle says", arguments: Transition<NoticeMailState>.all)
    func everyPair(_ pair: Transition<NoticeMailState>) {
        pair.expect(in: Self.allowed)
    }

    @Test("the table covers all 25 pairs and names only real states; sent and failed are final")
    func wellFormed() {
        Transition<NoticeMailState>.expectWellFormed(Self.allowed, count: 25)
        Transition<NoticeMailState>.expectFinalStatesStay()
        #expect(NoticeMailState.allCases.filter(\.isFinal) == [.sent, .failed])
    }
}
