import CLMContracts
import CLMServiceKit
import CLMStorage
import Foundation

/// Starts each submitted request's workflow (`StartWorkflow`), queues the mails of expiry
/// warnings (`QueueExpiryNotice`), and keeps the realm-membership read model the routes
/// authorise against.
struct ApprovalEventHandler: EventHandler {
    let routes: EventRoutes
    /// A re-driven submission gets the decision (or the wait) published again.
    let republishOnRedelivery: Set<EventType> = [.requestSubmitted]

    /// - Parameters:
    ///   - audit: the service's audit trail, for the transaction's store.
    ///   - readModel: routes of the read models the service keeps (the registry's memberships).
    ///   - mailDue: nudges the mailer when a verification mail is due.
    ///   - noticeDue: nudges the notice mailer when an expiry warning was queued.
    init(
        start: StartWorkflow, audit: AuditLog, readModel: EventRoutes, mailDue: @escaping @Sendable () -> Void,
        noticeDue: @escaping @Sendable () -> Void = {}
    ) {
        var routes = EventRoutes()
        routes.on(CertificateExpiring.self) { event, tx in
            let store = ApprovalStore.Transaction(base: AuditedTransaction(tx, auditLog: audit))
            if try await QueueExpiryNotice().queue(event.data, in: store) > 0 { noticeDue() }
        }
        routes.on(RequestSubmitted.self) { event, tx in
            let started: StartWorkflow.Started
            do {
                started = try await start.start(
                    event.data, in: ApprovalStore.Transaction(base: AuditedTransaction(tx, auditLog: audit)))
            } catch let problem as Problem where problem.kind == .invalid {
                throw EventRejection(reason: problem.detail)
            }
            switch started {
            case .approved: tx.logger.info("request approved automatically")
            case .awaitingVerification: mailDue()
            case .awaitingApproval, .replayed: break
            }
        }
        self.routes = routes.merging(readModel)
    }
}
