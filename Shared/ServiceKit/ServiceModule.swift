import CLMContracts
import CLMCrypto
import CLMIdentity
import CLMMessaging
import CLMStorage
import Hummingbird
import Logging
import PostgresNIO
import ServiceLifecycle

/// One CLM service's own part: its definition, routes and event handling. Everything else
/// (configuration, database, Kafka, health, metrics, lifecycle) is `ServiceRunner`'s.
public protocol ServiceModule: Sendable {
    static var definition: ServiceDefinition { get }
    /// Builds the module once migrations ran and topics exist.
    static func make(context: ServiceContext) async throws -> Self
    func addRoutes(to router: Router<ServiceRequestContext>)
    /// Handles the events of `definition.consumes`; nil if the service consumes none.
    var eventHandler: (any EventHandler)? { get }
    /// Background work of the module, run and stopped with the service (default: none).
    var services: [any Service] { get }
}

extension ServiceModule {
    public var services: [any Service] { [] }
}

/// The running service's shared resources, handed to its module.
public struct ServiceContext: Sendable {
    public let definition: ServiceDefinition
    public let configuration: ServiceConfiguration
    public let client: PostgresClient
    public let producer: KafkaProducer
    public let relay: OutboxRelay
    public let outbox: Outbox
    public let database: DatabaseMonitor
    /// The service's one bearer-token check (one JWKS cache), for HTTP and for commands.
    public let authenticator: BearerAuthenticator
    public let logger: Logger

    public init(
        definition: ServiceDefinition, configuration: ServiceConfiguration, client: PostgresClient,
        producer: KafkaProducer, relay: OutboxRelay, outbox: Outbox, database: DatabaseMonitor,
        authenticator: BearerAuthenticator, logger: Logger
    ) {
        self.authenticator = authenticator
        self.database = database
        self.definition = definition
        self.configuration = configuration
        self.client = client
        self.producer = producer
        self.relay = relay
        self.outbox = outbox
        self.logger = logger
    }

    /// Runs `body` in one database transaction with an outbox, and wakes the relay after it
    /// committed. A database that cannot be reached becomes a 503 with Retry-After.
    public func transaction<T: Sendable>(
        logger: Logger? = nil, traceparent: String? = nil, _ body: (EventTransaction) async throws -> T
    ) async throws -> T {
        let logger = logger ?? self.logger
        guard database.isAvailable else { throw Self.databaseUnavailable }
        do {
            let result = try await client.transaction(logger: logger) { connection in
                try await body(
                    EventTransaction(connection: connection, outbox: outbox, logger: logger, traceparent: traceparent))
            }
            relay.wakeSignal.signal()
            return result
        } catch let error as PSQLError where error.serverInfo == nil {
            logger.error("database unavailable", metadata: ["error": "\(PostgresErrorText.describe(error))"])
            throw Self.databaseUnavailable
        }
    }

    /// The same context logging to `logger` (a request's, with its id and realm).
    public func logging(to logger: Logger) -> ServiceContext {
        ServiceContext(
            definition: definition, configuration: configuration, client: client, producer: producer, relay: relay,
            outbox: outbox, database: database, authenticator: authenticator, logger: logger)
    }

    /// The service's copy of the realm memberships (the registry's own table in the registry).
    public var members: RealmMembers { RealmMembers(schema: definition.schema) }

    /// The service's audit trail.
    public var audit: AuditLog { AuditLog(service: definition.name, schema: definition.schema) }

    /// The configured key-encryption keys (services with `needsKeyEncryptionKey`).
    public func keyRing() throws -> KeyRing {
        guard let current = configuration.keyEncryptionKey else {
            throw ConfigurationError(problems: ["CLM_KEK or CLM_KEK_FILE is required"])
        }
        return try KeyRing(
            current: try KeyEncryptionKey(id: current.id, base64: current.base64),
            previous: try configuration.previousKeyEncryptionKeys.map {
                try KeyEncryptionKey(id: $0.id, base64: $0.base64)
            })
    }

    /// A read-only query helper with the same unavailability mapping. A read that answers for a
    /// write already committed passes `failFast: false`: it tries the database even while the
    /// monitor counts it unavailable, so the client is not told 503 for a write that happened.
    public func read<T: Sendable>(
        logger: Logger? = nil, failFast: Bool = true, _ body: (PostgresConnection) async throws -> T
    ) async throws -> T {
        guard database.isAvailable || !failFast else { throw Self.databaseUnavailable }
        do {
            return try await client.withConnection { connection in try await body(connection) }
        } catch let error as PSQLError where error.serverInfo == nil {
            throw Self.databaseUnavailable
        }
    }

    static let databaseUnavailable = Problem.unavailable("the database is unavailable; retry shortly")
}

/// Short, secret-free descriptions of PostgreSQL errors for logs and start-up messages.
public enum PostgresErrorText {
    public static func describe(_ error: any Error) -> String {
        guard let error = error as? PSQLError else { return "\(error)" }
        if let info = error.serverInfo, let message = info[.message] {
            return message
        }
        if let underlying = error.underlying { return "\(underlying)" }
        return "\(error.code)"
    }
}

extension ServiceContext: DatabaseAccess {
    public func read<T: Sendable>(_ body: (PostgresConnection) async throws -> T) async throws -> T {
        try await read(logger: nil, body)
    }

    public func write<T: Sendable>(_ body: (EventTransaction) async throws -> T) async throws -> T {
        try await transaction(logger: nil, traceparent: nil, body)
    }
}
