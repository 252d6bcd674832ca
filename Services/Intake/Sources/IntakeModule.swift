import CLMContracts
import CLMServiceKit
import CLMStorage
import Hummingbird
import ServiceLifecycle

/// The request API: judges a request against its policy version, records it, and follows the
/// workflow's events until the certificate can be downloaded. Wiring only: the flows are in
/// `UseCases/`, the SQL in `Store/`, the adapters in `HTTP/` and `Kafka/`.
public struct IntakeModule: ServiceModule {
    /// Consumes the registry topic for its read model (realms, policy versions, end entities,
    /// memberships), the workflow's events and the submit commands.
    public static let definition = ServiceDefinition(
        name: "intake", schema: "intake", defaultPort: 8082, migrations: IntakeMigrations.all,
        consumes: [.registry, .requestEvents, .requestCommands])

    let context: ServiceContext
    let routes: RequestRoutes
    let redrive: RedriveStalledRequests
    public let eventHandler: (any EventHandler)?

    public static func make(context: ServiceContext) async throws -> IntakeModule {
        var env = EnvironmentReader(context.configuration.environment)
        let redriveAfter = env.int("CLM_REDRIVE_AFTER_SECONDS", default: 60, range: 1...86_400)
        try env.validate()
        let store = IntakeStore()
        let submit = SubmitRequest(store: store, audit: context.audit)
        let commands = CommandHandler(
            submit: submit, caller: CommandCaller(authenticator: context.authenticator, members: context.members))
        return IntakeModule(
            context: context, routes: RequestRoutes(context: context, store: store, submit: submit),
            redrive: RedriveStalledRequests(after: .seconds(redriveAfter), store: store),
            eventHandler: IntakeEventHandler(
                store: store, track: TrackRequest(store: store), commands: commands, members: context.members))
    }

    public var services: [any Service] {
        let (context, redrive) = (context, redrive)
        return [
            PeriodicTask(
                name: "request re-drive", interval: min(redrive.after / 2, .seconds(5)), logger: context.logger
            ) {
                try await redrive(database: context, logger: context.logger)
            }
        ]
    }

    public func addRoutes(to router: Router<ServiceRequestContext>) { routes.add(to: router) }
}
