import CLMStorage
import Logging
import NIOCore
import PostgresNIO
import ServiceLifecycle
import Synchronization

/// Probes PostgreSQL once a second so the service knows, without waiting, whether the
/// database answers. API calls fail fast with 503 + Retry-After while it does not (the pool
/// would otherwise hold them until it reconnects), and readiness reports it.
///
/// One missed deadline is not an outage: on a saturated machine (two cores busy with large
/// bodies) a probe can go unanswered in time while the database is fine, and answering 503 to
/// everyone for that second turns load into errors. Probes that get no answer in time count
/// only after `failuresBeforeUnavailable` in a row (about ten seconds by default); a database
/// that refuses (connection refused, login rejected) counts at the first probe.
public final class DatabaseMonitor: Service, Sendable {
    private let client: PostgresClient
    private let logger: Logger
    /// Opens a fresh connection outside the pool; tells a busy pool from a dead database.
    private let directProbe: (@Sendable () async throws -> Void)?
    private let state: Mutex<(verdict: AvailabilityVerdict, reason: String)>

    public init(
        client: PostgresClient, logger: Logger, directProbe: (@Sendable () async throws -> Void)? = nil,
        failuresBeforeUnavailable: Int = 3
    ) {
        self.client = client
        self.logger = logger
        self.directProbe = directProbe
        self.state = Mutex((AvailabilityVerdict(threshold: failuresBeforeUnavailable), "ok"))
    }

    /// Whether the last probe succeeded.
    public var isAvailable: Bool { state.withLock { $0.verdict.isAvailable } }

    /// `ok`, or why the last probe failed.
    public var status: String { state.withLock { $0.reason } }

    /// Probes now and records the result.
    @discardableResult
    public func probe() async -> Bool {
        let client = self.client
        let reason: String
        // Whether the database (or the network) said no, rather than saying nothing in time.
        var definite = false
        do {
            // `withDeadline` returns even when the query ignores cancellation (a connection the
            // server dropped without a word), so the monitor itself cannot hang.
            try await withDeadline(.seconds(2)) { _ = try await client.query("SELECT 1") }
            reason = "ok"
        } catch {
            // Under load every pooled connection may be busy and the probe waits in line: that
            // is back-pressure, not an outage. Only a database that does not answer a connection
            // of its own either has failed the probe.
            if let directProbe {
                do {
                    try await withDeadline(.seconds(3)) { try await directProbe() }
                    reason = "ok"
                    logger.debug("database pool busy; direct probe answered")
                } catch let direct {
                    definite = !Self.isTimeout(direct)
                    reason =
                        "unreachable: \(PostgresErrorText.describe(error)); own connection: \(PostgresErrorText.describe(direct))"
                }
            } else {
                definite = !Self.isTimeout(error)
                reason = "unreachable: \(PostgresErrorText.describe(error))"
            }
        }
        let (verdict, changed) = state.withLock { current -> (AvailabilityVerdict, Bool) in
            let changed = current.verdict.record(success: reason == "ok", definite: definite)
            current.reason = current.verdict.isAvailable ? "ok" : reason
            return (current.verdict, changed)
        }
        let available = verdict.isAvailable
        if verdict.failuresInARow > 0 && available {
            logger.warning(
                "database probe failed",
                metadata: ["reason": "\(reason)", "inARow": "\(verdict.failuresInARow) of \(verdict.threshold)"])
        }
        if changed {
            if available {
                logger.notice("database reachable again")
            } else {
                logger.error("database unreachable", metadata: ["reason": "\(reason)"])
            }
        }
        return available
    }

    /// A missed deadline or a connect that timed out: no answer, which load can explain.
    static func isTimeout(_ error: any Error) -> Bool {
        if error is DeadlineExceeded { return true }
        if let error = error as? PSQLError, let channel = error.underlying as? ChannelError,
            case .connectTimeout = channel
        {
            return true
        }
        return false
    }

    public func run() async throws {
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            await probe()
            try? await Task.sleep(for: .seconds(1))
        }
    }
}
