import CLMContracts
import CLMServiceKit
import CLMStorage

/// Intake's consumer: the registry read model it judges requests against (realms, policy
/// versions, end entities, memberships), the workflow's progress, and submit commands.
struct IntakeEventHandler: EventHandler {
    let routes: EventRoutes

    init(store: IntakeStore, track: TrackRequest, commands: CommandHandler, members: RealmMembers) {
        var routes = members.routes
        routes.on(RealmSnapshot.self) { try await store.upsertRealm($0.data, on: $1.connection, logger: $1.logger) }
        routes.on(PolicySnapshot.self) { try await store.insertPolicy($0.data, on: $1.connection, logger: $1.logger) }
        routes.on(EndEntitySnapshot.self) {
            try await store.upsertEntity($0.data, on: $1.connection, logger: $1.logger)
        }
        routes.on(SubmitCommand.self) { try await commands.handle($0, in: $1) }
        routes.on(RequestApproved.self) { try await track.approved($0.data, in: $1) }
        routes.on(RequestDeclined.self) { try await track.declined($0.data, in: $1) }
        routes.on(RequestFailed.self) { try await track.failed($0.data, in: $1) }
        routes.on(RequestAwaiting.self) { try await track.awaiting($0.data, in: $1) }
        routes.on(RequestExpired.self) { try await track.expired($0.data, in: $1) }
        routes.on(RequestDelayed.self) { try await track.delayed($0.data, in: $1) }
        routes.on(KeyGenerated.self) { try await track.keyGenerated($0.data, in: $1) }
        routes.on(KeyDestroyed.self) { try await track.keyDestroyed($0.data, in: $1) }
        routes.on(CertificateIssued.self) { try await track.issued($0.data, in: $1) }
        self.routes = routes
        self.commands = commands
    }

    private let commands: CommandHandler

    /// A command that fails its schema or does not decode still gets its one answer.
    func rejected(_ header: EventHeader, reason: String, in transaction: EventTransaction) async throws {
        guard header.type == SubmitCommand.eventType.rawValue else { return }
        try await commands.refuse(header, reason: reason, in: transaction)
    }
}
