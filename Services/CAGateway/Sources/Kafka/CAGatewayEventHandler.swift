import CLMContracts
import CLMServiceKit
import CLMStorage

/// Remembers submissions and issues once their approval (or server-side key) arrives, revokes
/// on commands from the command topic, next to the routes of the service's read models.
struct CAGatewayEventHandler: EventHandler {
    let routes: EventRoutes

    /// An approval or generated key seen again gets the issuance (or the wait) published again.
    var republishOnRedelivery: Set<EventType> { [.requestApproved, .keyGenerated] }

    /// `readModels` are routes the gateway keeps besides its own (the realm memberships).
    init(
        record: RecordOrder, onApproval: IssueOnApproval, onKey: IssueOnGeneratedKey,
        revokeCommands: RevokeCommandHandler,
        audit: AuditLog, readModels: EventRoutes
    ) {
        self.revokeCommands = revokeCommands
        var routes = EventRoutes()
        routes.on(RequestSubmitted.self) { event, tx in
            try await Self.run(in: tx, audit) { try await record(event.data, in: $0) }
        }
        routes.on(RequestApproved.self) { event, tx in
            try await Self.run(in: tx, audit) { try await onApproval(event.data, in: $0) }
        }
        routes.on(KeyGenerated.self) { event, tx in
            try await Self.run(in: tx, audit) { try await onKey(event.data, in: $0) }
        }
        routes.on(RevokeCommand.self) { try await revokeCommands.handle($0, in: $1) }
        self.routes = routes.merging(readModels)
    }

    private let revokeCommands: RevokeCommandHandler

    /// A revoke command that fails its schema or does not decode still gets its one answer.
    func rejected(_ header: EventHeader, reason: String, in transaction: EventTransaction) async throws {
        guard header.type == RevokeCommand.eventType.rawValue else { return }
        try await revokeCommands.refuse(header, reason: reason, in: transaction)
    }

    /// Runs a use case in the event's transaction. A problem the use case raises comes from the
    /// event contradicting the order: it can never be processed, so the event is set aside.
    private static func run(
        in tx: EventTransaction, _ audit: AuditLog,
        _ body: (any CAGatewayTransaction) async throws -> Void
    ) async throws {
        do {
            try await body(PostgresCAGatewayTransaction(base: AuditedTransaction(tx, auditLog: audit)))
        } catch let problem as Problem {
            throw EventRejection(reason: problem.detail)
        }
    }
}
