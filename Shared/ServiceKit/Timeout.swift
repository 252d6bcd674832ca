/// Thrown by `withTimeout` when the operation did not finish in time.
public struct TimeoutError: Error, Sendable, CustomStringConvertible {
    public let after: Duration
    public var description: String { "timed out after \(after)" }
}

/// Runs `operation`, cancelling it and throwing `TimeoutError` if it takes longer than `timeout`.
public func withTimeout<T: Sendable>(_ timeout: Duration, _ operation: @escaping @Sendable () async throws -> T)
    async throws -> T
{
    try await withThrowingTaskGroup(of: T.self) { group in
        group.addTask { try await operation() }
        group.addTask {
            try await Task.sleep(for: timeout)
            throw TimeoutError(after: timeout)
        }
        defer { group.cancelAll() }
        return try await group.next()!
    }
}
