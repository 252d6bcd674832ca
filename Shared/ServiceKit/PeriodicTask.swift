import CLMStorage
import Logging
import ServiceLifecycle

/// Background work that runs every `interval` until the service shuts down: sweeps for
/// expired keys, expired approvals and the like. A failing round is logged and retried at
/// the next tick; it never stops the service.
public struct PeriodicTask: Service {
    let name: String
    let interval: Duration
    let logger: Logger
    let body: @Sendable () async throws -> Void

    public init(name: String, interval: Duration, logger: Logger, body: @escaping @Sendable () async throws -> Void) {
        self.name = name
        self.interval = interval
        self.logger = logger
        self.body = body
    }

    public func run() async throws {
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            do {
                // A round stuck on a connection the database dropped must not stop the task.
                try await withDeadline(max(interval * 4, .seconds(30)), body)
            } catch {
                logger.warning("\(name) failed; retrying", metadata: ["error": "\(error)"])
            }
            do {
                try await Task.sleep(for: interval)
            } catch {
                return
            }
        }
    }
}
