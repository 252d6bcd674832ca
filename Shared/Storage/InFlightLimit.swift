import Synchronization

/// A counting limit on work taken in but not finished: `acquire()` waits while all permits
/// are out, first come first served. The event processor uses it so a consumer never buffers
/// more than a bounded number of events, however fast the broker delivers them.
public final class InFlightLimit: Sendable {
    private struct State {
        var available: Int
        var nextTicket = 0
        var waiters: [(ticket: Int, continuation: CheckedContinuation<Bool, Never>)] = []
    }

    public let limit: Int
    private let state: Mutex<State>

    public init(_ limit: Int) {
        precondition(limit > 0, "an in-flight limit must allow something")
        self.limit = limit
        self.state = Mutex(State(available: limit))
    }

    /// Permits currently taken.
    public var inUse: Int { state.withLock { limit - $0.available } }

    /// Takes a permit, waiting for one if needed; false if the task was cancelled first
    /// (then no permit is held).
    public func acquire() async -> Bool {
        let ticket: Int? = state.withLock { state in
            if state.available > 0 && state.waiters.isEmpty {
                state.available -= 1
                return nil
            }
            state.nextTicket += 1
            return state.nextTicket
        }
        guard let ticket else { return true }
        return await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                let cancelled = state.withLock { state -> Bool in
                    if Task.isCancelled { return true }
                    state.waiters.append((ticket, continuation))
                    return false
                }
                if cancelled { continuation.resume(returning: false) }
            }
        } onCancel: {
            let waiter = state.withLock { state -> CheckedContinuation<Bool, Never>? in
                guard let index = state.waiters.firstIndex(where: { $0.ticket == ticket }) else { return nil }
                return state.waiters.remove(at: index).continuation
            }
            waiter?.resume(returning: false)
        }
    }

    /// Returns a permit, handing it straight to the longest waiter if there is one.
    public func release() {
        let waiter = state.withLock { state -> CheckedContinuation<Bool, Never>? in
            if state.waiters.isEmpty {
                state.available = min(state.available + 1, limit)
                return nil
            }
            return state.waiters.removeFirst().continuation
        }
        waiter?.resume(returning: true)
    }
}
