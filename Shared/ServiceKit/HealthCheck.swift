import CLMMessaging
import Foundation
import Hummingbird
import PostgresNIO
import Synchronization

/// Liveness and readiness. Ready means this process can do its job now: PostgreSQL answers a
/// query and a Kafka broker answers a metadata request. Results are cached for a second so
/// probes cannot load the dependencies.
public final class HealthCheck: Sendable {
    public struct Report: Codable, Sendable {
        public var status: String
        public var checks: [String: String]
    }

    private let database: DatabaseMonitor
    private let producer: KafkaProducer
    private let consumerJoined: (@Sendable () -> Bool)?
    private let cache = Mutex<(at: ContinuousClock.Instant, report: Report)?>(nil)

    public init(database: DatabaseMonitor, producer: KafkaProducer, consumerJoined: (@Sendable () -> Bool)? = nil) {
        self.database = database
        self.producer = producer
        self.consumerJoined = consumerJoined
    }

    public func readiness() async -> Report {
        let now = ContinuousClock.now
        if let cached = cache.withLock({ $0 }), now - cached.at < .seconds(1) { return cached.report }
        async let database: String = {
            await self.database.probe()
            return self.database.status
        }()
        async let kafka: String = producer.ping(timeout: .seconds(2)) ? "ok" : "unreachable"
        var checks = ["postgresql": await database, "kafka": await kafka]
        if let consumerJoined { checks["consumer"] = consumerJoined() ? "ok" : "joining group" }
        let report = Report(status: checks.values.allSatisfy { $0 == "ok" } ? "ready" : "not-ready", checks: checks)
        cache.withLock { $0 = (now, report) }
        return report
    }

    func addRoutes(to router: Router<ServiceRequestContext>) {
        router.get("/health/live") { _, _ in
            JSONResponse(Report(status: "live", checks: [:]))
        }
        router.get("/health/ready") { [self] _, _ in
            let report = await readiness()
            return JSONResponse(report, status: report.status == "ready" ? .ok : .serviceUnavailable)
        }
    }
}
