import Synchronization

/// At most `limit` pieces of work at once; the next is refused at once rather than queued.
/// HTTP uses it so an overloaded service answers 503 + Retry-After instead of letting every
/// caller wait on a growing backlog.
public final class AdmissionLimit: Sendable {
    public let limit: Int
    private let inUse = Mutex(0)

    public init(_ limit: Int) {
        precondition(limit > 0, "an admission limit must admit something")
        self.limit = limit
    }

    /// Admits one unless `limit` are already in; pair every `true` with one `release()`.
    public func tryAcquire() -> Bool {
        inUse.withLock { count in
            guard count < limit else { return false }
            count += 1
            return true
        }
    }

    public func release() {
        inUse.withLock { $0 = max(0, $0 - 1) }
    }

    public var current: Int { inUse.withLock { $0 } }
}
