import CLMContracts
import CLMStorage
import Logging
import Metrics

/// Drives requests that made no progress for a while through the workflow again, so a broker
/// that lost events (an in-memory broker restarted, an unclean leader election) cannot leave
/// a request stuck (decision 0014).
///
/// Intake publishes the request's `clm.request.submitted.v1` again, unchanged. Every service
/// that already handled it drops it as a duplicate and publishes again what it published
/// about that request; a service that never saw it handles it now. Each hop does the same
/// for the events it starts from, so whatever was lost is re-created exactly once and
/// nothing applied is applied twice. A request is re-driven after `after` without progress,
/// then again after twice as long, and so on up to an hour — requests waiting for a person
/// are cheap to re-drive but need not be re-driven often.
struct RedriveStalledRequests: Sendable {
    /// `CLM_REDRIVE_AFTER_SECONDS`, default 60.
    let after: Duration
    /// Requests re-driven per round at most.
    let batch = 500
    let store: IntakeStore
    private let redriven = Counter(label: "clm_requests_redriven_total")

    init(after: Duration, store: IntakeStore) {
        self.after = after
        self.store = store
    }

    /// One round; returns how many requests were re-driven.
    @discardableResult
    func callAsFunction(database: some DatabaseAccess, logger: Logger) async throws -> Int {
        let (store, seconds, batch) = (store, Int(after.components.seconds), batch)
        let (marked, published) = try await database.write { tx in
            let subjects = try await store.markStalled(
                after: seconds, limit: batch, on: tx.connection, logger: tx.logger)
            let again = try await tx.outbox.requeue(
                RequestSubmitted.self, subjects: subjects, on: tx.connection, logger: tx.logger)
            return (subjects.count, again)
        }
        guard marked > 0 else { return 0 }
        redriven.increment(by: marked)
        logger.notice(
            "re-driving requests without progress",
            metadata: ["requests": "\(marked)", "republished": "\(published)", "after": "\(after)"])
        if published < marked {
            // Pending in the outbox still (broker down), or older than the outbox keeps events.
            logger.warning(
                "some requests without progress have no published submission to send again",
                metadata: ["requests": "\(marked - published)"])
        }
        return marked
    }
}
