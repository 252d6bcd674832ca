import CLMStorage
import Logging
import PostgresNIO
import ServiceLifecycle
import Synchronization

/// Probes PostgreSQL once a second so the service knows, without waiting, whether the
/// database answers. API calls fail fast with 503 + Retry-After while it does not (the pool
/// would otherwise hold them until it reconnects), and readiness reports it.
public final class DatabaseMonitor: Service, Sendable {
    private let client: PostgresClient
    private let logger: Logger
    /// Opens a fresh connection outside the pool; tells a busy pool from a dead database.
    private let directProbe: (@Sendable () async throws -> Void)?
    private let state = Mutex<(available: Bool, reason: String)>((true, "ok"))

    public init(client: PostgresClient, logger: Logger, directProbe: (@Sendable () async throws -> Void)? = nil) {
        self.client = client
        self.logger = logger
        self.directProbe = directProbe
    }

    /// Whether the last probe succeeded.
    public var isAvailable: Bool { state.withLock { $0.available } }

    /// `ok`, or why the last probe failed.
    public var status: String { state.withLock { $0.reason } }

    /// Probes now and records the result.
    @discardableResult
    public func probe() async -> Bool {
        let client = self.client
        let reason: String
        do {
            // `withDeadline` returns even when the query ignores cancellation (a connection the
            // server dropped without a word), so the monitor itself cannot hang.
            try await withDeadline(.seconds(2)) { _ = try await client.query("SELECT 1") }
            reason = "ok"
        } catch {
            // Under load every pooled connection may be busy and the probe waits in line: that
            // is back-pressure, not an outage. Only a database that refuses a connection of
            // its own is reported unavailable (and turns API calls into 503s).
            if let directProbe, (try? await directProbe()) != nil {
                reason = "ok"
                logger.debug("database pool busy; direct probe answered")
            } else {
                reason = "unreachable: \(PostgresErrorText.describe(error))"
            }
        }
        let available = reason == "ok"
        let changed = state.withLock { current -> Bool in
            defer { current = (available, reason) }
            return current.available != available
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

    public func run() async throws {
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            await probe()
            try? await Task.sleep(for: .seconds(1))
        }
    }
}
