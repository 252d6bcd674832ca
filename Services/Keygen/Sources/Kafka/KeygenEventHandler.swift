import CLMContracts
import CLMServiceKit
import CLMStorage
import Foundation
import Logging
import PostgresNIO

/// Keygen's events: a server-side submission records an order, its approval generates the
/// key, its certificate is kept for the bundle, and a failed request or a revoked certificate
/// destroys the key. The
/// registry's member snapshots keep the membership read model.
struct KeygenEventHandler: EventHandler {
    let routes: EventRoutes

    /// An approval seen again gets the generated key's event published again.
    var republishOnRedelivery: Set<EventType> { [.requestApproved] }

    /// `audit` is the service's trail, written in the event's transaction.
    init(audit: AuditLog, generate: GenerateKey, members: RealmMembers) {
        let store: @Sendable (EventTransaction) -> PostgresKeygenTransaction = {
            PostgresKeygenTransaction(base: AuditedTransaction($0, auditLog: audit))
        }
        var routes = EventRoutes()
        routes.on(RequestSubmitted.self) { event, tx in
            try await RecordKeyOrder().execute(event.data, in: store(tx))
        }
        routes.on(RequestApproved.self) { event, tx in
            do {
                try await generate.execute(event.data, in: store(tx))
            } catch let problem as Problem where problem.kind == .invalid {
                // An approval whose key cannot be generated never will be: set it aside.
                throw EventRejection(reason: problem.detail)
            }
        }
        routes.on(CertificateIssued.self) { event, tx in
            try await AttachCertificate().execute(event.data, in: store(tx))
        }
        routes.on(RequestFailed.self) { event, tx in
            try await DestroyKey().requestEnded(event.data, in: store(tx))
        }
        routes.on(CertificateRevoked.self) { event, tx in
            try await DestroyKey().certificateRevoked(event.data, in: store(tx))
        }
        self.routes = routes.merging(members.routes)
    }

    /// Most requests bring their own CSR: their events are none of keygen's business, and
    /// finding that out must not cost a transaction each. A request's events share a
    /// partition, so its submission (and the order it makes) always comes first; one lost by
    /// the broker comes back, in order, with the re-drive (decision 0014).
    func concerns(_ event: IncomingEvent, client: PostgresClient, logger: Logger) async throws -> Bool {
        switch event.type {
        case .requestSubmitted:
            return try event.decode(RequestSubmitted.self).data.keySource == .server
        case .requestApproved, .certificateIssued, .requestFailed, .certificateRevoked:
            guard let request = UUID(uuidString: event.header.subject) else { return true }
            return try await KeygenStore.hasOrder(request: request, client: client, logger: logger)
        default:
            return true
        }
    }
}
