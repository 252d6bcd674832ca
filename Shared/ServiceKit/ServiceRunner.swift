import CLMContracts
import CLMIdentity
import CLMMessaging
import CLMStorage
import Foundation
import Hummingbird
import HummingbirdCore
import HummingbirdTLS
import Logging
import Metrics
import PostgresNIO
import Prometheus
import ServiceLifecycle

/// Starts a CLM service: validates configuration, checks librdkafka, migrates its schema,
/// creates its topics, then runs HTTP, the outbox relay and its consumer as one
/// ServiceLifecycle group that shuts down gracefully on SIGTERM/SIGINT.
///
/// Anything that stops start-up ends the process with one line on stderr saying what is
/// wrong and a non-zero exit status, never a crash dump.
public enum ServiceRunner {
    public enum ExitCode: Int32 {
        case configuration = 2
        case unsupportedLibrary = 3
        case database = 4
        case kafka = 5
        case runtime = 1
    }

    public static func main<Module: ServiceModule>(
        _ module: Module.Type, environment: [String: String] = ProcessInfo.processInfo.environment
    ) async -> Never {
        let definition = Module.definition
        let program = "clm-\(definition.name)"
        func fail(_ code: ExitCode, _ message: String) -> Never {
            FileHandle.standardError.write(Data("\(program): \(message)\n".utf8))
            exit(code.rawValue)
        }
        let configuration: ServiceConfiguration
        do {
            configuration = try ServiceConfiguration.fromEnvironment(service: definition, environment: environment)
        } catch {
            fail(.configuration, "\(error)")
        }
        do {
            try LibrdkafkaVersion.checkRuntime()
        } catch let error as KafkaError {
            fail(.unsupportedLibrary, error.message)
        } catch {
            fail(.unsupportedLibrary, "\(error)")
        }
        let (logger, metrics) = bootstrapObservability(
            program: program, service: definition.name, level: configuration.logLevel)
        let client = configuration.database.makeClient(logger: logger)
        let databaseTask = Task { await client.run() }
        defer { databaseTask.cancel() }
        do {
            try await prepareDatabase(client, definition: definition, configuration: configuration, logger: logger)
        } catch {
            let target = configuration.database.redactedDescription
            fail(.database, "cannot use PostgreSQL at \(target): \(PostgresErrorText.describe(error))")
        }
        let producer: KafkaProducer
        do {
            producer = try await prepareKafka(configuration, logger: logger)
        } catch {
            let reason = (error as? KafkaError)?.message ?? "\(error)"
            fail(.kafka, "cannot use Kafka at \(configuration.kafka.bootstrapServers): \(reason)")
        }
        do {
            let context = makeContext(
                definition: definition, configuration: configuration, client: client, producer: producer, logger: logger
            )
            try await run(Module.self, context: context, metrics: metrics, program: program)
            exit(0)
        } catch let error as ConfigurationError {
            fail(.configuration, "\(error)")
        } catch {
            fail(.runtime, "\(error)")
        }
    }

    /// Logging to standard output at `level` and Prometheus metrics.
    static func bootstrapObservability(program: String, service: String, level: Logger.Level)
        -> (Logger, PrometheusCollectorRegistry)
    {
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardOutput(label: label)
            handler.logLevel = level
            return handler
        }
        let metrics = PrometheusCollectorRegistry()
        var factory = PrometheusMetricsFactory(registry: metrics)
        factory.nameAndLabelSanitizer = MetricNames.conventional
        MetricsSystem.bootstrap(factory)
        var logger = Logger(label: program)
        logger[metadataKey: "service"] = "\(service)"
        return (logger, metrics)
    }

    /// Waits (bounded) until PostgreSQL answers, then migrates under the advisory lock.
    static func prepareDatabase(
        _ client: PostgresClient, definition: ServiceDefinition, configuration: ServiceConfiguration, logger: Logger
    ) async throws {
        try await retry(until: .now + configuration.startupTimeout, logger: logger, what: "PostgreSQL") {
            try await configuration.database.probe(logger: logger)
        }
        try await Migrator.migrate(
            client: client, schema: definition.schema, migrations: definition.allMigrations, logger: logger)
    }

    /// The topics CLM uses, as this installation names them.
    static func topicSpecifications(prefix: String) -> [TopicSpecification] {
        Topic.allCases.map {
            TopicSpecification(
                name: $0.name(prefix: prefix), partitions: $0.partitions, configuration: $0.configuration)
        }
    }

    /// Creates our topics (bounded wait), which also proves a broker is reachable.
    static func prepareKafka(_ configuration: ServiceConfiguration, logger: Logger) async throws -> KafkaProducer {
        let producer = try KafkaProducer(configuration: configuration.kafka, logger: logger)
        let topics = topicSpecifications(prefix: configuration.topicPrefix)
        try await retry(until: .now + configuration.startupTimeout, logger: logger, what: "Kafka") {
            try await producer.createTopics(topics, timeout: .seconds(5))
        }
        return producer
    }

    static func makeContext(
        definition: ServiceDefinition, configuration: ServiceConfiguration, client: PostgresClient,
        producer: KafkaProducer, logger: Logger
    ) -> ServiceContext {
        let outbox = Outbox(
            schema: definition.schema, topicPrefix: configuration.topicPrefix, source: "/clm/\(definition.name)")
        let relay = OutboxRelay(
            client: client, outbox: outbox, producer: producer, logger: logger,
            retention: configuration.outboxRetention, topics: topicSpecifications(prefix: configuration.topicPrefix))
        let databaseSettings = configuration.database
        let database = DatabaseMonitor(
            client: client, logger: logger,
            directProbe: { try await databaseSettings.probe(logger: logger, timeout: .seconds(2)) })
        return ServiceContext(
            definition: definition, configuration: configuration, client: client, producer: producer, relay: relay,
            outbox: outbox, database: database, authenticator: configuration.authentication.makeAuthenticator(),
            logger: logger)
    }

    /// Builds the module, its routes and consumer, and runs them with HTTP, the relay and the
    /// producer as one service group until a stop signal.
    static func run<Module: ServiceModule>(
        _: Module.Type, context: ServiceContext, metrics: PrometheusCollectorRegistry, program: String
    ) async throws {
        let (configuration, logger) = (context.configuration, context.logger)
        let module = try await Module.make(context: context)
        let processor = try makeProcessor(for: module.eventHandler, context: context)
        let consumerJoined: (@Sendable () -> Bool)? = if let processor { { processor.hasJoinedGroup } } else { nil }
        let router = makeRouter(context: context, metrics: metrics, consumerJoined: consumerJoined)
        module.addRoutes(to: router)
        var services: [any Service] = [context.database, context.producer, context.relay] + module.services
        if let processor { services.append(processor) }
        // HTTPS when a certificate and key are configured; plain HTTP (behind nginx) otherwise.
        let server: HTTPServerBuilder
        if let tls = configuration.httpTLS {
            server = try .tls(.http1(), tlsConfiguration: tls.tlsConfiguration)
        } else {
            server = .http1()
        }
        services.append(
            Application(
                router: router, server: server,
                configuration: .init(
                    address: .hostname(configuration.httpHost, port: configuration.httpPort), serverName: program),
                logger: logger))
        // Shut down in reverse: HTTP first, then the consumer, the relay, and the producer.
        var groupConfiguration = ServiceGroupConfiguration(
            services: services.map { .init(service: $0) }, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
        // A stop must end the process even when PostgreSQL or the broker is gone: what is
        // not finished by then stays in the outbox or unacknowledged on the topic.
        groupConfiguration.maximumGracefulShutdownDuration = .seconds(15)
        groupConfiguration.maximumCancellationDuration = .seconds(5)
        logger.info(
            "started",
            metadata: [
                "http": "\(configuration.httpHost):\(configuration.httpPort)",
                "scheme": "\(configuration.httpTLS == nil ? "http" : "https")",
            ])
        try await ServiceGroup(configuration: groupConfiguration).run()
        logger.notice("stopped")
    }

    /// The consumer of `definition.consumes`, applying events through `handler`.
    static func makeProcessor(for handler: (any EventHandler)?, context: ServiceContext) throws -> EventProcessor? {
        let (definition, configuration) = (context.definition, context.configuration)
        guard let handler, !definition.consumes.isEmpty else { return nil }
        // One group per installation: the topic prefix keeps installations (and test runs)
        // that share a cluster from joining each other's groups.
        let groupID = Topic.groupID(prefix: configuration.topicPrefix, service: definition.name)
        return try EventProcessor(
            kafka: configuration.kafka, groupID: groupID,
            topics: definition.consumes.map { $0.name(prefix: configuration.topicPrefix) },
            client: context.client, outbox: context.outbox, relay: context.relay, handler: handler,
            deadLetter: DeadLetter(
                producer: context.producer, topic: Topic.deadLetter.name(prefix: configuration.topicPrefix),
                groupID: groupID, logger: context.logger),
            logger: context.logger)
    }

    /// The middleware every service has (metrics, problems, admission, authentication, the rule
    /// for text in query parameters), its audit, health and metrics routes.
    static func makeRouter(
        context: ServiceContext, metrics: PrometheusCollectorRegistry, consumerJoined: (@Sendable () -> Bool)?
    ) -> Router<ServiceRequestContext> {
        let router = Router(context: ServiceRequestContext.self)
        // Metrics outermost, so it records the status the problem middleware produced;
        // authentication inside, so its refusals become problem details too.
        router.add(middleware: MetricsMiddleware())
        router.add(middleware: ProblemMiddleware())
        router.add(middleware: AdmissionMiddleware(limit: AdmissionLimit(context.configuration.httpMaxInFlight)))
        router.add(
            middleware: AuthenticationMiddleware(
                authenticator: context.authenticator, members: context.members, client: context.client,
                database: context.database, recordFailure: failedLoginRecorder(context)))
        router.add(middleware: QueryTextMiddleware())
        AuditRoutes(context: context).add(to: router)
        HealthCheck(database: context.database, producer: context.producer, consumerJoined: consumerJoined)
            .addRoutes(to: router)
        router.get("/metrics") { _, _ in
            Response(
                status: .ok, headers: [.contentType: "text/plain; version=0.0.4"],
                body: .init(byteBuffer: ByteBuffer(bytes: MetricHelp.annotate(metrics.emitToBuffer()))))
        }
        return router
    }

    /// Audits failed logins on the platform chain, at most 20 a second: a flood of bad tokens
    /// must not become a flood of writes.
    static func failedLoginRecorder(_ context: ServiceContext) -> @Sendable (String, String) async -> Void {
        let limiter = RateLimiter(perSecond: 20)
        return { code, path in
            guard limiter.admit() else { return }
            do {
                _ = try await context.transaction { tx in
                    try await context.audit.append(
                        realm: AuditRecord.platformRealm, actor: "anonymous", action: "authentication.failed",
                        target: path, details: "code: \(code)", in: tx)
                }
            } catch {
                context.logger.warning("could not audit a failed authentication", metadata: ["error": "\(error)"])
            }
        }
    }

    /// Retries `operation` with a short backoff until it succeeds or `deadline` passes.
    static func retry(
        until deadline: ContinuousClock.Instant, logger: Logger, what: String,
        _ operation: @escaping @Sendable () async throws -> Void
    ) async throws {
        var delay = Duration.milliseconds(200)
        while true {
            do {
                return try await operation()
            } catch {
                // Wrong credentials or a missing database do not heal by waiting.
                if let error = error as? PSQLError, error.serverInfo != nil { throw error }
                if ContinuousClock.now + delay >= deadline { throw error }
                logger.info("waiting for \(what)", metadata: ["error": "\(PostgresErrorText.describe(error))"])
                try await Task.sleep(for: delay)
                delay = min(delay * 2, .seconds(2))
            }
        }
    }
}
