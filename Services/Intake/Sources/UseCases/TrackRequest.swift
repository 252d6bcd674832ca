import CLMContracts
import CLMStorage
import Foundation

/// Follows a request through the workflow: each event another service publishes about it
/// becomes its state, history, notice or key status here (the transition table in
/// `RequestState` decides what may follow what).
struct TrackRequest: Sendable {
    let store: IntakeStore

    func approved(_ event: RequestApproved, in tx: EventTransaction) async throws {
        try await move(
            event.request, realm: event.realm, to: .approved, actor: event.approvedBy.joined(separator: ", "),
            reason: event.reason, in: tx)
    }

    func declined(_ event: RequestDeclined, in tx: EventTransaction) async throws {
        try await move(
            event.request, realm: event.realm, to: .declined, actor: event.declinedBy,
            reason: "declined: \(event.reason)",
            in: tx)
    }

    func failed(_ event: RequestFailed, in tx: EventTransaction) async throws {
        try await move(
            event.request, realm: event.realm, to: .failed, actor: event.failedBy,
            reason: "\(event.code): \(event.reason)",
            in: tx)
    }

    func awaiting(_ event: RequestAwaiting, in tx: EventTransaction) async throws {
        _ = try await store.transition(
            event.request, realm: event.realm, to: event.state, actor: "approval", reason: event.reason,
            awaiting: event,
            on: tx.connection, logger: tx.logger)
    }

    func expired(_ event: RequestExpired, in tx: EventTransaction) async throws {
        try await move(event.request, realm: event.realm, to: .expired, actor: "approval", reason: event.reason, in: tx)
    }

    func delayed(_ event: RequestDelayed, in tx: EventTransaction) async throws {
        try await store.delay(event, on: tx.connection, logger: tx.logger)
    }

    func keyGenerated(_ event: KeyGenerated, in tx: EventTransaction) async throws {
        try await move(
            event.request, realm: event.realm, to: .keyGenerated, actor: "keygen",
            reason: "\(event.keySpec) key pair generated; the private key stays sealed in keygen", in: tx)
        try await store.setKeyStatus(
            event.request, realm: event.realm, status: "sealed", on: tx.connection, logger: tx.logger)
    }

    func keyDestroyed(_ event: KeyDestroyed, in tx: EventTransaction) async throws {
        try await store.setKeyStatus(
            event.request, realm: event.realm, status: "destroyed (\(event.cause.rawValue))", on: tx.connection,
            logger: tx.logger)
        let state = try await store.state(event.request, on: tx.connection, logger: tx.logger) ?? .failed
        try await store.appendHistory(
            event.request, state: state, actor: "keygen", reason: event.reason, on: tx.connection, logger: tx.logger)
    }

    func issued(_ event: CertificateIssued, in tx: EventTransaction) async throws {
        _ = try await store.transition(
            event.request, realm: event.realm, to: .issued, actor: "ca:\(event.ca)",
            reason:
                "issued serial \(event.serialNumber), valid until \(ContractCoding.formatTimestamp(event.notAfter))",
            certificate: event, on: tx.connection, logger: tx.logger)
    }

    private func move(
        _ request: UUID, realm: String, to state: RequestState, actor: String, reason: String, in tx: EventTransaction
    ) async throws {
        _ = try await store.transition(
            request, realm: realm, to: state, actor: actor, reason: reason, on: tx.connection, logger: tx.logger)
    }
}
