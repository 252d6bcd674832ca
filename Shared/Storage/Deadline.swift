import Synchronization

/// Thrown by `withDeadline` when the operation did not finish in time.
public struct DeadlineExceeded: Error, Sendable, CustomStringConvertible {
    public let after: Duration
    public var description: String { "no answer after \(after)" }
}

/// Runs `operation` and returns its result, or throws `DeadlineExceeded` after `timeout` —
/// without waiting for an operation that ignores cancellation (a query on a connection whose
/// server went away without a word): it is cancelled and left behind.
public func withDeadline<T: Sendable>(
    _ timeout: Duration, _ operation: @escaping @Sendable () async throws -> T
) async throws -> T {
    let outcome = Mutex<CheckedContinuation<T, any Error>?>(nil)
    let work = Mutex<[Task<Void, Never>]>([])
    return try await withTaskCancellationHandler {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, any Error>) in
            outcome.withLock { $0 = continuation }
            let finish: @Sendable (Result<T, any Error>) -> Void = { result in
                outcome.withLock { $0.take() }?.resume(with: result)
                for task in work.withLock({ $0 }) { task.cancel() }
            }
            let running = Task {
                do { finish(.success(try await operation())) } catch { finish(.failure(error)) }
            }
            let timer = Task {
                try? await Task.sleep(for: timeout)
                if !Task.isCancelled { finish(.failure(DeadlineExceeded(after: timeout))) }
            }
            work.withLock { $0 = [running, timer] }
            // Finished before the tasks were recorded: stop the timer now.
            if outcome.withLock({ $0 == nil }) {
                running.cancel()
                timer.cancel()
            }
        }
    } onCancel: {
        for task in work.withLock({ $0 }) { task.cancel() }
    }
}
