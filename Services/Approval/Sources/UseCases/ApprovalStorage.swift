import CLMContracts
import CLMServiceKit
import Foundation
import Logging

/// What the approval use cases read from the approval tables. `ApprovalStore` is the
/// PostgreSQL one; unit tests use an in-memory fake.
protocol ApprovalReading: Sendable {
    /// Decisions of `realm` in one of `states`, oldest first.
    func decisions(realm: String, states: [RequestState], limit: Int) async throws -> [Decision]
    func decision(_ id: UUID, realm: String) async throws -> Decision?
    /// The link whose token has this hash, with its request.
    func link(_ tokenHash: [UInt8]) async throws -> LinkRecord?
}

/// One transaction over the approval tables: what a use case changes commits together with
/// the events it publishes and its audit records, or not at all.
protocol ApprovalTransaction: ApprovalReading, TransactionEffects {
    /// The decision, locked until the transaction ends (votes on one request are serialised).
    func lockDecision(_ id: UUID, realm: String) async throws -> Decision?
    /// Records a new workflow; false when the request has one already (a replayed submission).
    func insertDecision(_ submitted: RequestSubmitted, plan: WorkflowPlan) async throws -> Bool
    /// One link to mail per address, due at once.
    func addVerifications(_ id: UUID, emails: [String]) async throws
    func recordVote(_ id: UUID, voter: String, vote: ApprovalRules.Vote, comment: String?) async throws
    func decide(_ id: UUID, state: RequestState, by actor: String, reason: String) async throws
    /// Up to `limit` waits past their deadline, locked; waits another transaction holds are skipped.
    func expiredWaits(limit: Int) async throws -> [ExpiredWait]

    /// Claims the next due verification mail for `lease`: other mailers skip it until then.
    /// The link's token becomes `tokenHash`, and the attempt is counted.
    func claimDueMail(tokenHash: [UInt8], lease: Duration) async throws -> DueMail?
    /// Moves the claimed link to `state` (`sent`, `retrying` after `retryAfterSeconds`, or
    /// `failed`); false when the claim was lost (the request ended, or the lease lapsed and
    /// another mailer took over).
    func recordMail(
        _ mail: DueMail, state: VerificationState, error: String?, retryAfterSeconds: Int?
    ) async throws -> Bool
    /// The link, with its row and its request's locked.
    func lockLink(_ tokenHash: [UInt8]) async throws -> LinkRecord?
    func confirm(_ tokenHash: [UInt8]) async throws
    /// Every address of the request and whether it confirmed, by address.
    func addresses(of id: UUID) async throws -> [AddressProgress]
    /// Ends the links of a request that stopped waiting (`expired`).
    func endVerifications(of id: UUID) async throws

    /// Queues one mail of `notice` per address, due at once; returns how many were new (a
    /// notice delivered again queues nothing: one mail per certificate, threshold and address).
    func queueNoticeMails(_ notice: CertificateExpiring, to emails: [String]) async throws -> Int
    /// Claims the next due notice mail for `lease` under the random `claim`, and counts the attempt.
    func claimDueNoticeMail(claim: UUID, lease: Duration) async throws -> NoticeMail?
    /// Moves the claimed mail to `state` (`sent`, `retrying` after `retryAfterSeconds`, or
    /// `failed`); false when the claim was lost (its lease lapsed and another mailer took over).
    func recordNoticeMail(
        _ mail: NoticeMail, state: NoticeMailState, error: String?, retryAfterSeconds: Int?
    ) async throws -> Bool
}

/// An expiry notice mail a mailer claimed.
struct NoticeMail: Sendable, Equatable {
    var notice: CertificateExpiring
    var email: String
    /// This send's number, counting from 1.
    var attempt: Int
    /// The claim this send holds; an outcome is recorded only under it.
    var claim: UUID
}

/// Opens reads and transactions over the approval tables.
protocol ApprovalStorage: Sendable {
    /// False while the database is known to be unreachable: background rounds skip.
    var isAvailable: Bool { get }
    func read<T: Sendable>(logger: Logger, _ body: (any ApprovalReading) async throws -> T) async throws -> T
    func transaction<T: Sendable>(
        logger: Logger, _ body: (any ApprovalTransaction) async throws -> T
    ) async throws -> T
}

/// A verification link as the store holds it, with what its request is doing.
struct LinkRecord: Sendable, Equatable {
    var request: UUID
    var email: String
    var state: VerificationState
    var requestState: RequestState
    var expiresAt: Date?
    var submitted: RequestSubmitted
}

/// A verification mail a mailer claimed.
struct DueMail: Sendable, Equatable {
    var request: UUID
    var email: String
    /// This send's number, counting from 1.
    var attempt: Int
    var realm: String
    var expiresAt: Date?
    var submitted: RequestSubmitted
    /// The claim: the hash of the token this send carries.
    var tokenHash: [UInt8]
}

/// A wait past its deadline.
struct ExpiredWait: Sendable, Equatable {
    var request: UUID
    var realm: String
    var mode: PolicyDocument.Approval.Mode
    var required: Int
    var approvals: Int
    var confirmations: Int
}

struct AddressProgress: Sendable, Equatable {
    var email: String
    var confirmed: Bool
}
