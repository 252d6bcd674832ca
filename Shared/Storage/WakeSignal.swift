import Synchronization

/// Lets a writer nudge a waiting loop (the outbox relay) instead of making it poll often.
/// A signal sent while nobody waits is remembered once.
public final class WakeSignal: Sendable {
    private struct State {
        var signalled = false
        var waiter: CheckedContinuation<Void, Never>?
    }

    private let state = Mutex(State())

    public init() {}

    public func signal() {
        let waiter = state.withLock { state -> CheckedContinuation<Void, Never>? in
            if let waiter = state.waiter {
                state.waiter = nil
                return waiter
            }
            state.signalled = true
            return nil
        }
        waiter?.resume()
    }

    /// Returns after a signal or after `timeout`, whichever comes first.
    public func wait(timeout: Duration) async {
        let timer = Task { [self] in
            // A cancelled timer must not signal: that would leave a stale signal behind, the
            // next wait would return at once, cancel its own timer, signal again — and the
            // waiting loop would spin forever.
            do { try await Task.sleep(for: timeout) } catch { return }
            signal()
        }
        await withCheckedContinuation { continuation in
            let resumeNow = state.withLock { state -> Bool in
                if state.signalled {
                    state.signalled = false
                    return true
                }
                state.waiter = continuation
                return false
            }
            if resumeNow { continuation.resume() }
        }
        timer.cancel()
    }
}
