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

        let level = configuration.logLevel
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardOutput(label: label)
            handler.logLevel = level
            return handler
        }
        let metrics = PrometheusCollectorRegistry()
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: metrics))
        let logger = {
            var logger = Logger(label: program)
            logger[metadataKey: "service"] = "\(definition.name)"
            return logger
        }()

        let client = configuration.database.makeClient(logger: logger)
        let databaseTask = Task { await client.run() }
        defer { databaseTask.cancel() }

        // PostgreSQL: wait (bounded) until it answers, then migrate under the advisory lock.
        do {
            try await retry(until: .now + configuration.startupTimeout, logger: logger, what: "PostgreSQL") {
                try await configuration.database.probe(logger: logger)
            }
            try await Migrator.migrate(
                client: client, schema: definition.schema, migrations: definition.allMigrations, logger: logger)
        } catch {
            fail(
                .database,
                "cannot use PostgreSQL at \(configuration.database.redactedDescription): \(PostgresErrorText.describe(error))")
        }

        // Kafka: create our topics (bounded wait), which also proves a broker is reachable.
        let producer: KafkaProducer
        let topics = Topic.allCases.map {
            TopicSpecification(
                name: $0.name(prefix: configuration.topicPrefix), partitions: $0.partitions,
                configuration: $0.configuration)
        }
        do {
            producer = try KafkaProducer(configuration: configuration.kafka, logger: logger)
            try await retry(until: .now + configuration.startupTimeout, logger: logger, what: "Kafka") {
                try await producer.createTopics(topics, timeout: .seconds(5))
            }
        } catch let error as KafkaError {
            fail(.kafka, "cannot use Kafka at \(configuration.kafka.bootstrapServers): \(error.message)")
        } catch {
            fail(.kafka, "cannot use Kafka at \(configuration.kafka.bootstrapServers): \(error)")
        }

        let outbox = Outbox(
            schema: definition.schema, topicPrefix: configuration.topicPrefix, source: "/clm/\(definition.name)")
        let relay = OutboxRelay(
            client: client, outbox: outbox, producer: producer, logger: logger,
            retention: configuration.outboxRetention, topics: topics)
        let databaseSettings = configuration.database
        let database = DatabaseMonitor(
            client: client, logger: logger,
            directProbe: { try await databaseSettings.probe(logger: logger, timeout: .seconds(2)) })
        let context = ServiceContext(
            definition: definition, configuration: configuration, client: client, producer: producer, relay: relay,
            outbox: outbox, database: database, authenticator: configuration.authentication.makeAuthenticator(),
            logger: logger)

        do {
            let module = try await Module.make(context: context)
            let router = Router(context: ServiceRequestContext.self)
            // Metrics outermost, so it records the status the problem middleware produced;
            // authentication inside, so its refusals become problem details too.
            router.add(middleware: MetricsMiddleware())
            router.add(middleware: ProblemMiddleware())
            router.add(middleware: AdmissionMiddleware(limit: AdmissionLimit(configuration.httpMaxInFlight)))
            let members = context.members
            let auditLimiter = RateLimiter(perSecond: 20)
            router.add(
                middleware: AuthenticationMiddleware(
                    authenticator: context.authenticator,
                    members: members, client: client, database: database,
                    recordFailure: { code, path in
                        // A flood of bad tokens must not become a flood of writes.
                        guard auditLimiter.admit() else { return }
                        do {
                            _ = try await context.transaction { tx in
                                try await context.audit.append(
                                    realm: AuditRecord.platformRealm, actor: "anonymous", action: "authentication.failed",
                                    target: path, details: "code: \(code)", in: tx)
                            }
                        } catch {
                            logger.warning("could not audit a failed authentication", metadata: ["error": "\(error)"])
                        }
                    }))
            AuditRoutes(context: context).add(to: router)
            var processor: EventProcessor?
            if let handler = module.eventHandler, !definition.consumes.isEmpty {
                // One group per installation: the topic prefix keeps installations (and test
                // runs) that share a cluster from joining each other's groups.
                let groupID = Topic.groupID(prefix: configuration.topicPrefix, service: definition.name)
                processor = try EventProcessor(
                    kafka: configuration.kafka, groupID: groupID,
                    topics: definition.consumes.map { $0.name(prefix: configuration.topicPrefix) },
                    client: client, outbox: outbox, relay: relay, handler: handler,
                    deadLetter: DeadLetter(
                        producer: producer, topic: Topic.deadLetter.name(prefix: configuration.topicPrefix),
                        groupID: groupID, logger: logger),
                    logger: logger)
            }
            let consumerJoined: (@Sendable () -> Bool)? =
                if let processor { { processor.hasJoinedGroup } } else { nil }
            let health = HealthCheck(database: database, producer: producer, consumerJoined: consumerJoined)
            health.addRoutes(to: router)
            router.get("/metrics") { _, _ in
                Response(
                    status: .ok, headers: [.contentType: "text/plain; version=0.0.4"],
                    body: .init(byteBuffer: ByteBuffer(bytes: metrics.emitToBuffer())))
            }
            module.addRoutes(to: router)

            var services: [any Service] = [database, producer, relay] + module.services
            if let processor { services.append(processor) }
            // HTTPS when a certificate and key are configured; plain HTTP (behind nginx) otherwise.
            let server: HTTPServerBuilder
            if let tls = configuration.httpTLS {
                server = try .tls(.http1(), tlsConfiguration: tls.tlsConfiguration)
            } else {
                server = .http1()
            }
            let app = Application(
                router: router,
                server: server,
                configuration: .init(
                    address: .hostname(configuration.httpHost, port: configuration.httpPort), serverName: program),
                logger: logger)
            services.append(app)
            // Shut down in reverse: HTTP first, then the consumer, the relay, and the producer.
            var groupConfiguration = ServiceGroupConfiguration(
                services: services.map { .init(service: $0) },
                gracefulShutdownSignals: [.sigterm, .sigint],
                logger: logger)
            // A stop must end the process even when PostgreSQL or the broker is gone: what is
            // not finished by then stays in the outbox or unacknowledged on the topic.
            groupConfiguration.maximumGracefulShutdownDuration = .seconds(15)
            groupConfiguration.maximumCancellationDuration = .seconds(5)
            let group = ServiceGroup(configuration: groupConfiguration)
            logger.info(
                "started",
                metadata: [
                    "http": "\(configuration.httpHost):\(configuration.httpPort)",
                    "scheme": "\(configuration.httpTLS == nil ? "http" : "https")",
                ])
            try await group.run()
            logger.notice("stopped")
            exit(0)
        } catch let error as ConfigurationError {
            fail(.configuration, "\(error)")
        } catch {
            fail(.runtime, "\(error)")
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
