import CLMContracts
import CLMStorage
import Foundation

/// Keeps intake's read model of the registry and follows each request through the workflow.
struct IntakeEventHandler: EventHandler {
    let store: IntakeStore
    let commands: CommandHandler

    var eventTypes: Set<String> {
        [
            EventType.realmSnapshot, .policySnapshot, .endEntitySnapshot, .requestApproved, .requestDeclined,
            .requestFailed, .requestAwaiting, .requestExpired, .requestDelayed, .keyGenerated, .keyDestroyed, .certificateIssued,
            .submitCommand,
        ].reduce(into: Set<String>()) { $0.insert($1.rawValue) }
    }

    func handle(_ event: IncomingEvent, in tx: EventTransaction) async throws {
        let connection = tx.connection
        let logger = tx.logger
        switch EventType(rawValue: event.header.type) {
        case .submitCommand:
            try await commands.handle(event, in: tx)
        case .realmSnapshot:
            try await store.upsertRealm(try event.decode(RealmSnapshot.self).data, on: connection, logger: logger)
        case .policySnapshot:
            try await store.insertPolicy(try event.decode(PolicySnapshot.self).data, on: connection, logger: logger)
        case .endEntitySnapshot:
            try await store.upsertEntity(try event.decode(EndEntitySnapshot.self).data, on: connection, logger: logger)
        case .requestApproved:
            let approved = try event.decode(RequestApproved.self).data
            _ = try await store.transition(
                approved.request, realm: approved.realm, to: .approved, actor: approved.approvedBy.joined(separator: ", "),
                reason: approved.reason, on: connection, logger: logger)
        case .requestDeclined:
            let declined = try event.decode(RequestDeclined.self).data
            _ = try await store.transition(
                declined.request, realm: declined.realm, to: .declined, actor: declined.declinedBy,
                reason: "declined: \(declined.reason)", on: connection, logger: logger)
        case .requestFailed:
            let failed = try event.decode(RequestFailed.self).data
            _ = try await store.transition(
                failed.request, realm: failed.realm, to: .failed, actor: failed.failedBy,
                reason: "\(failed.code): \(failed.reason)", on: connection, logger: logger)
        case .requestAwaiting:
            let awaiting = try event.decode(RequestAwaiting.self).data
            _ = try await store.transition(
                awaiting.request, realm: awaiting.realm, to: awaiting.state, actor: "approval", reason: awaiting.reason,
                awaiting: awaiting, on: connection, logger: logger)
        case .requestExpired:
            let expired = try event.decode(RequestExpired.self).data
            _ = try await store.transition(
                expired.request, realm: expired.realm, to: .expired, actor: "approval", reason: expired.reason,
                on: connection, logger: logger)
        case .requestDelayed:
            try await store.delay(try event.decode(RequestDelayed.self).data, on: connection, logger: logger)
        case .keyDestroyed:
            let destroyed = try event.decode(KeyDestroyed.self).data
            try await store.setKeyStatus(
                destroyed.request, realm: destroyed.realm, status: "destroyed (\(destroyed.cause.rawValue))",
                on: connection, logger: logger)
            try await store.appendHistory(
                destroyed.request, state: try await store.state(destroyed.request, on: connection, logger: logger) ?? .failed,
                actor: "keygen", reason: destroyed.reason, on: connection, logger: logger)
        case .keyGenerated:
            let generated = try event.decode(KeyGenerated.self).data
            _ = try await store.transition(
                generated.request, realm: generated.realm, to: .keyGenerated, actor: "keygen",
                reason: "\(generated.keySpec) key pair generated; the private key stays sealed in keygen",
                on: connection, logger: logger)
            try await store.setKeyStatus(
                generated.request, realm: generated.realm, status: "sealed", on: connection, logger: logger)
        case .certificateIssued:
            let issued = try event.decode(CertificateIssued.self).data
            _ = try await store.transition(
                issued.request, realm: issued.realm, to: .issued, actor: "ca:\(issued.ca)",
                reason: "issued serial \(issued.serialNumber), valid until \(ContractCoding.formatTimestamp(issued.notAfter))",
                certificate: issued, on: connection, logger: logger)
        default:
            return
        }
    }
}
