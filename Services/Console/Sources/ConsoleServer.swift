import CLMServiceKit
import Foundation
import Hummingbird
import Logging
import Metrics
import NIOCore
import Prometheus
import ServiceLifecycle

/// Runs the web console: its pages, the sign-in flows, and the proxy that carries the
/// signed-in person's calls to the public API. It keeps no data but sessions (in memory), so
/// a restart signs everyone out and loses nothing else.
public enum ConsoleServer {
    public static func main(environment: [String: String] = ProcessInfo.processInfo.environment) async -> Never {
        func fail(_ code: Int32, _ message: String) -> Never {
            FileHandle.standardError.write(Data("clm-console: \(message)\n".utf8))
            exit(code)
        }
        let settings: ConsoleSettings
        do {
            settings = try ConsoleSettings.fromEnvironment(environment)
        } catch {
            fail(2, "\(error)")
        }
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardOutput(label: label)
            handler.logLevel = settings.logLevel
            return handler
        }
        let metrics = PrometheusCollectorRegistry()
        var factory = PrometheusMetricsFactory(registry: metrics)
        factory.nameAndLabelSanitizer = MetricNames.conventional
        MetricsSystem.bootstrap(factory)
        var logger = Logger(label: "clm-console")
        logger[metadataKey: "service"] = "console"
        do {
            let application = try makeApplication(settings: settings, metrics: metrics, logger: logger)
            var configuration = ServiceGroupConfiguration(
                services: [.init(service: application)], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
            configuration.maximumGracefulShutdownDuration = .seconds(10)
            logger.info(
                "started",
                metadata: [
                    "http": "\(settings.host):\(settings.port)", "api": "\(settings.apiURL)",
                    "sign-in":
                        "\(settings.openID == nil ? "" : "oidc ")\(settings.development == nil ? "" : "development")",
                ])
            if settings.development != nil {
                logger.notice("development sign-in is on: anyone who reaches the console can be anyone")
            }
            try await ServiceGroup(configuration: configuration).run()
            exit(0)
        } catch let error as SignInError {
            fail(2, error.detail)
        } catch {
            fail(1, "\(error)")
        }
    }

    /// The console's HTTP application.
    public static func makeApplication(
        settings: ConsoleSettings, metrics: PrometheusCollectorRegistry, logger: Logger
    ) throws -> some ApplicationProtocol {
        let router = try makeRouter(settings: settings, metrics: metrics)
        return Application(
            router: router,
            configuration: .init(address: .hostname(settings.host, port: settings.port), serverName: "clm-console"),
            logger: logger)
    }

    static func makeRouter(settings: ConsoleSettings, metrics: PrometheusCollectorRegistry) throws
        -> Router<BasicRequestContext>
    {
        let sessions = SessionStore(capacity: settings.maxSessions, lifetime: settings.sessionLifetime)
        let openID = settings.openID.map { OpenIDClient(settings: $0, redirectURI: settings.redirectURI) }
        let development = try settings.development.map {
            try DevelopmentSignIn(settings: $0, lifetime: min(settings.sessionLifetime, .seconds(43_200)))
        }
        let catalog = try AssetCatalog(
            directory: settings.assetsDirectory ?? bundledAssets(), live: settings.assetsDirectory != nil)
        let router = Router(context: BasicRequestContext.self)
        router.add(middleware: MetricsMiddleware())
        router.add(middleware: SecurityHeaders())
        router.add(middleware: ProblemMiddleware())
        AssetRoutes(catalog: catalog).add(to: router)
        SignInRoutes(
            settings: settings, sessions: sessions, openID: openID, development: development,
            cookies: ConsoleCookies(secure: settings.publicURL.scheme == "https")
        ).add(to: router)
        APIProxy(apiURL: settings.apiURL, sessions: sessions).add(to: router)
        router.get("/health/live") { _, _ in try json(["status": "live"]) }
        router.get("/health/ready") { _, _ in
            // Ready when people can sign in: the identity provider's metadata is at hand.
            if let openID {
                do {
                    _ = try await openID.discover()
                } catch let error as SignInError {
                    return try json(
                        ["status": "not-ready", "identityProvider": error.detail], status: .serviceUnavailable)
                }
            }
            return try json(["status": "ready"])
        }
        router.get("/metrics") { _, _ in
            Response(
                status: .ok, headers: [.contentType: "text/plain; version=0.0.4"],
                body: .init(byteBuffer: ByteBuffer(bytes: MetricHelp.annotate(metrics.emitToBuffer()))))
        }
        return router
    }

    static func bundledAssets() -> URL {
        Bundle.module.resourceURL!.appendingPathComponent("Assets")
    }
}
