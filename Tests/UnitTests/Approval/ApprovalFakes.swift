import CLMContracts
import Foundation
import Logging
import Synchronization

@testable import Approval

/// In-memory approval tables behind the use cases' store protocols. A transaction works on a
/// copy and commits it only when its body returns, so a thrown problem changes nothing.
final class FakeApprovalStorage: ApprovalStorage {
    struct Verification: Sendable, Equatable {
        var request: UUID
        var email: String
        var state: VerificationState = .due
        var tokenHash: [UInt8]?
        var attempts = 0
        var nextAttemptAt: Date
        var lastError: String?
        var sentAt: Date?
        var confirmedAt: Date?
    }
    struct Published: Sendable {
        var type: EventType
        var subject: UUID
        var realm: String
        var payload: any EventPayload
    }
    struct AuditEntry: Sendable, Equatable {
        var realm, actor, action, target, details: String
    }
    struct Tables: Sendable {
        var decisions: [UUID: Decision] = [:]
        /// What each decision was started from (the store keeps it as a jsonb column).
        var submitted: [UUID: RequestSubmitted] = [:]
        var verifications: [Verification] = []
        var published: [Published] = []
        var audit: [AuditEntry] = []
        /// `approval.notice_mails` (see the extension at the end).
        var noticeMails: [NoticeMailRow] = []
    }
    private struct State {
        var tables = Tables()
        var now = Date(timeIntervalSince1970: 1_800_000_000)
        var openTransactions = 0
        var isAvailable = true
    }
    private let state = Mutex(State())
    let logger = Logger(label: "approval-test")

    var tables: Tables { state.withLock { $0.tables } }
    var now: Date {
        get { state.withLock { $0.now } }
        set { state.withLock { $0.now = newValue } }
    }
    /// Transactions that have begun and not yet ended.
    var openTransactions: Int { state.withLock { $0.openTransactions } }
    var isAvailable: Bool {
        get { state.withLock { $0.isAvailable } }
        set { state.withLock { $0.isAvailable = newValue } }
    }

    func update(_ change: (inout Tables) -> Void) { state.withLock { change(&$0.tables) } }

    func read<T: Sendable>(logger: Logger, _ body: (any ApprovalReading) async throws -> T) async throws -> T {
        try await body(FakeApprovalTransaction(tables: tables, now: now))
    }

    func transaction<T: Sendable>(
        logger: Logger, _ body: (any ApprovalTransaction) async throws -> T
    ) async throws -> T {
        let tx = FakeApprovalTransaction(tables: tables, now: now)
        state.withLock { $0.openTransactions += 1 }
        defer { state.withLock { $0.openTransactions -= 1 } }
        let result = try await body(tx)
        let written = tx.tables
        state.withLock { $0.tables = written }
        return result
    }

    /// The payloads published about `id`, of type `P`, oldest first.
    func events<P: EventPayload>(_: P.Type, about id: UUID) -> [P] {
        tables.published.filter { $0.subject == id }.compactMap { $0.payload as? P }
    }
}

/// One transaction of `FakeApprovalStorage`.
final class FakeApprovalTransaction: ApprovalTransaction {
    private let state: Mutex<FakeApprovalStorage.Tables>
    let now: Date
    let logger = Logger(label: "approval-test")

    init(tables: FakeApprovalStorage.Tables, now: Date) {
        self.state = Mutex(tables)
        self.now = now
    }

    var tables: FakeApprovalStorage.Tables { state.withLock { $0 } }
    private func change<T>(_ body: (inout FakeApprovalStorage.Tables) throws -> T) rethrows -> T {
        try state.withLock { try body(&$0) }
    }

    func decisions(realm: String, states: [RequestState], limit: Int) async throws -> [Decision] {
        Array(
            tables.decisions.values.filter { $0.realm == realm && states.contains($0.state) }
                .sorted { $0.createdAt < $1.createdAt }.prefix(limit))
    }

    func decision(_ id: UUID, realm: String) async throws -> Decision? {
        tables.decisions[id].flatMap { $0.realm == realm ? $0 : nil }
    }

    func link(_ tokenHash: [UInt8]) async throws -> LinkRecord? {
        let tables = self.tables
        guard let row = tables.verifications.first(where: { $0.tokenHash == tokenHash }),
            let decision = tables.decisions[row.request],
            let submitted = tables.submitted[row.request]
        else { return nil }
        return LinkRecord(
            request: row.request, email: row.email, state: row.state, requestState: decision.state,
            expiresAt: decision.expiresAt, submitted: submitted)
    }

    func lockDecision(_ id: UUID, realm: String) async throws -> Decision? { try await decision(id, realm: realm) }

    func insertDecision(_ submitted: RequestSubmitted, plan: WorkflowPlan) async throws -> Bool {
        let now = self.now
        return change { tables in
            guard tables.decisions[submitted.request] == nil else { return false }
            tables.submitted[submitted.request] = submitted
            tables.decisions[submitted.request] = Decision(
                request: submitted.request, realm: submitted.realm, policy: submitted.policy,
                policyVersion: submitted.policyVersion, mode: submitted.approval.mode, state: plan.state,
                requester: submitted.requester, required: plan.required, expiresAt: plan.expiresAt,
                decidedBy: plan.decidedBy, reason: plan.reason, subject: submitted.subject,
                alternativeNames: submitted.alternativeNames, validityDays: submitted.validityDays, votes: [],
                createdAt: now)
            return true
        }
    }

    func addVerifications(_ id: UUID, emails: [String]) async throws {
        let now = self.now
        change { tables in
            for email in emails where !tables.verifications.contains(where: { $0.request == id && $0.email == email }) {
                tables.verifications.append(.init(request: id, email: email, nextAttemptAt: now))
            }
        }
    }

    func recordVote(_ id: UUID, voter: String, vote: ApprovalRules.Vote, comment: String?) async throws {
        let now = self.now
        change { $0.decisions[id]?.votes.append(.init(voter: voter, vote: vote.rawValue, comment: comment, at: now)) }
    }

    func decide(_ id: UUID, state: RequestState, by actor: String, reason: String) async throws {
        change { tables in
            tables.decisions[id]?.state = state
            tables.decisions[id]?.decidedBy = actor
            tables.decisions[id]?.reason = reason
        }
    }

    func expiredWaits(limit: Int) async throws -> [ExpiredWait] {
        let tables = self.tables
        return tables.decisions.values.filter {
            [.awaitingApproval, .awaitingVerification].contains($0.state) && ($0.expiresAt ?? .distantFuture) <= now
        }.prefix(limit).map { decision in
            ExpiredWait(
                request: decision.request, realm: decision.realm, mode: decision.mode, required: decision.required,
                approvals: decision.votes.filter { $0.vote == "approve" }.count,
                confirmations: tables.verifications.filter { $0.request == decision.request && $0.confirmedAt != nil }
                    .count)
        }
    }

    func claimDueMail(tokenHash: [UInt8], lease: Duration) async throws -> DueMail? {
        let now = self.now
        return change { tables -> DueMail? in
            let claimable = VerificationState.sources(of: .sending)
            let due = tables.verifications.indices.filter { index in
                let row = tables.verifications[index]
                return row.sentAt == nil && claimable.contains(row.state) && row.nextAttemptAt <= now
                    && tables.decisions[row.request]?.state == .awaitingVerification
            }.min { tables.verifications[$0].nextAttemptAt < tables.verifications[$1].nextAttemptAt }
            guard let index = due, let submitted = tables.submitted[tables.verifications[index].request] else {
                return nil
            }
            tables.verifications[index].state = .sending
            tables.verifications[index].tokenHash = tokenHash
            tables.verifications[index].attempts += 1
            tables.verifications[index].nextAttemptAt = now.addingTimeInterval(Double(lease.components.seconds))
            let row = tables.verifications[index]
            return DueMail(
                request: row.request, email: row.email, attempt: row.attempts, realm: submitted.realm,
                expiresAt: tables.decisions[row.request]?.expiresAt, submitted: submitted, tokenHash: tokenHash)
        }
    }

    func recordMail(
        _ mail: DueMail, state: VerificationState, error: String?, retryAfterSeconds: Int?
    ) async throws -> Bool {
        let now = self.now
        return change { tables in
            guard
                let index = tables.verifications.firstIndex(where: {
                    $0.request == mail.request && $0.email == mail.email && $0.tokenHash == mail.tokenHash
                        && $0.state == .sending
                }), VerificationState.sending.canTransition(to: state)
            else { return false }
            tables.verifications[index].state = state
            tables.verifications[index].lastError = error
            if state == .sent { tables.verifications[index].sentAt = now }
            tables.verifications[index].nextAttemptAt = now.addingTimeInterval(Double(retryAfterSeconds ?? 0))
            return true
        }
    }

    func lockLink(_ tokenHash: [UInt8]) async throws -> LinkRecord? { try await link(tokenHash) }

    func confirm(_ tokenHash: [UInt8]) async throws {
        let now = self.now
        change { tables in
            for index in tables.verifications.indices
            where tables.verifications[index].tokenHash == tokenHash
                && tables.verifications[index].state.canTransition(to: .confirmed)
            {
                tables.verifications[index].state = .confirmed
                tables.verifications[index].confirmedAt = now
            }
        }
    }

    func addresses(of id: UUID) async throws -> [AddressProgress] {
        tables.verifications.filter { $0.request == id }.sorted { $0.email < $1.email }.map {
            AddressProgress(email: $0.email, confirmed: $0.confirmedAt != nil)
        }
    }

    func endVerifications(of id: UUID) async throws {
        change { tables in
            for index in tables.verifications.indices
            where tables.verifications[index].request == id
                && tables.verifications[index].state.canTransition(to: .expired)
            {
                tables.verifications[index].state = .expired
            }
        }
    }

    func publish<P: EventPayload>(_ payload: P, about id: UUID, realm: String) async throws {
        change { $0.published.append(.init(type: P.eventType, subject: id, realm: realm, payload: payload)) }
    }

    func audit(realm: String, actor: String, action: String, target: String, details: String) async throws {
        change {
            $0.audit.append(.init(realm: realm, actor: actor, action: action, target: target, details: details))
        }
    }
}

/// One row of `approval.notice_mails`.
struct NoticeMailRow: Sendable, Equatable {
    var notice: CertificateExpiring
    var email: String
    var state: NoticeMailState = .due
    var claim: UUID?
    var attempts = 0
    var nextAttemptAt: Date
    var lastError: String?
    var sentAt: Date?
}

/// The expiry notice mails, as `ApprovalStore+NoticeMails.swift` keeps them.
extension FakeApprovalTransaction {
    func queueNoticeMails(_ notice: CertificateExpiring, to emails: [String]) async throws -> Int {
        let now = self.now
        return change { tables in
            var queued = 0
            for email in emails
            where !tables.noticeMails.contains(where: {
                $0.notice.ca == notice.ca && $0.notice.serialNumber == notice.serialNumber
                    && $0.notice.thresholdSeconds == notice.thresholdSeconds && $0.email == email
            }) {
                tables.noticeMails.append(NoticeMailRow(notice: notice, email: email, nextAttemptAt: now))
                queued += 1
            }
            return queued
        }
    }

    func claimDueNoticeMail(claim: UUID, lease: Duration) async throws -> NoticeMail? {
        let now = self.now
        return change { tables -> NoticeMail? in
            let claimable = NoticeMailState.sources(of: .sending)
            guard
                let index = tables.noticeMails.indices.filter({
                    claimable.contains(tables.noticeMails[$0].state) && tables.noticeMails[$0].nextAttemptAt <= now
                }).min(by: { tables.noticeMails[$0].nextAttemptAt < tables.noticeMails[$1].nextAttemptAt })
            else { return nil }
            tables.noticeMails[index].state = .sending
            tables.noticeMails[index].claim = claim
            tables.noticeMails[index].attempts += 1
            tables.noticeMails[index].nextAttemptAt = now.addingTimeInterval(Double(lease.components.seconds))
            let row = tables.noticeMails[index]
            return NoticeMail(notice: row.notice, email: row.email, attempt: row.attempts, claim: claim)
        }
    }

    func recordNoticeMail(
        _ mail: NoticeMail, state: NoticeMailState, error: String?, retryAfterSeconds: Int?
    ) async throws -> Bool {
        let now = self.now
        return change { tables in
            guard
                let index = tables.noticeMails.firstIndex(where: {
                    $0.notice.serialNumber == mail.notice.serialNumber
                        && $0.notice.thresholdSeconds == mail.notice.thresholdSeconds && $0.email == mail.email
                        && $0.claim == mail.claim && $0.state == .sending
                }), NoticeMailState.sending.canTransition(to: state)
            else { return false }
            tables.noticeMails[index].state = state
            tables.noticeMails[index].lastError = error
            if state == .sent { tables.noticeMails[index].sentAt = now }
            tables.noticeMails[index].nextAttemptAt = now.addingTimeInterval(Double(retryAfterSeconds ?? 0))
            return true
        }
    }
}

/// Records what it would send; `failures` are thrown in turn before anything is sent.
final class FakeMailer: MailSending {
    private let state: Mutex<(sent: [MailMessage], failures: [SMTPError])>
    /// Called while "talking to the server", to look at the world from there.
    let during: @Sendable () async -> Void

    init(failures: [SMTPError] = [], during: @escaping @Sendable () async -> Void = {}) {
        self.state = Mutex((sent: [], failures: failures))
        self.during = during
    }

    var sent: [MailMessage] { state.withLock { $0.sent } }

    func send(_ message: MailMessage, logger: Logger) async throws {
        await during()
        if let failure = state.withLock({ $0.failures.isEmpty ? nil : $0.failures.removeFirst() }) { throw failure }
        state.withLock { $0.sent.append(message) }
    }
}

/// Requests as intake would submit them, for the approval tests.
enum ApprovalFixtures {
    static let realm = "r1"
    static let requester = "alice@test.example"

    static func submitted(
        _ id: UUID = UUID(), mode: PolicyDocument.Approval.Mode, approvers: Int? = nil, emails: [String]? = nil
    ) -> RequestSubmitted {
        RequestSubmitted(
            request: id, realm: realm, requester: requester, policy: "web-server", policyVersion: 3, ca: "default",
            approval: PolicyDocument.Approval(mode: mode, approvers: approvers),
            subject: [.init(type: "CN", value: "www.test.example")],
            alternativeNames: [.init(kind: .dns, value: "www.test.example")], keySource: .csr, publicKey: "AAAA",
            keySpec: nil, validityDays: 90, keyUsage: ["digitalSignature"], extendedKeyUsage: ["serverAuth"],
            submittedAt: Date(timeIntervalSince1970: 1_800_000_000), verificationEmails: emails)
    }

    /// Starts the workflow of `submitted` in `storage`.
    @discardableResult
    static func start(_ submitted: RequestSubmitted, in storage: FakeApprovalStorage) async throws
        -> StartWorkflow.Started
    {
        let now = storage.now
        return try await storage.transaction(logger: storage.logger) { tx in
            try await StartWorkflow().start(submitted, in: tx, now: now)
        }
    }
}
