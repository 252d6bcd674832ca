import CLMContracts
import CLMStorage
import Logging
import Metrics
import PostgresNIO

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
struct RequestRedriver: Sendable {
    /// `CLM_REDRIVE_AFTER_SECONDS`, default 60.
    let after: Duration
    /// Requests re-driven per round at most.
    let batch = 500
    private let redriven = Counter(label: "clm_requests_redriven_total")

    init(after: Duration) {
        self.after = after
    }

    /// One round; returns how many requests were re-driven.
    @discardableResult
    func redrive(client: PostgresClient, logger: Logger) async throws -> Int {
        let seconds = Int(after.components.seconds)
        let rows = try await client.query(
            """
            WITH due AS (
                SELECT id FROM intake.requests
                WHERE state NOT IN ('issued', 'declined', 'failed', 'expired')
                  AND updated_at + make_interval(secs => \(seconds)) <= now()
                  AND (redrive_after IS NULL OR redrive_after <= now())
                ORDER BY updated_at LIMIT \(batch)
                FOR UPDATE SKIP LOCKED),
            marked AS (
                UPDATE intake.requests r
                SET redrives = r.redrives + 1,
                    redrive_after = now() + LEAST(make_interval(secs => \(seconds)) * power(2, LEAST(r.redrives + 1, 12)), interval '1 hour')
                FROM due WHERE r.id = due.id
                RETURNING r.id::text AS subject),
            again AS (
                UPDATE intake.outbox o SET published_at = NULL
                FROM marked
                WHERE o.key = marked.subject AND o.event_type = \(EventType.requestSubmitted.rawValue)
                  AND o.published_at IS NOT NULL
                RETURNING o.key)
            SELECT (SELECT count(*) FROM marked), (SELECT count(*) FROM again)
            """, logger: logger
        ).decode((Int64, Int64).self).collectAll()
        guard let (marked, published) = rows.first, marked > 0 else { return 0 }
        redriven.increment(by: Int(marked))
        logger.notice(
            "re-driving requests without progress",
            metadata: ["requests": "\(marked)", "republished": "\(published)", "after": "\(after)"])
        if published < marked {
            // Pending in the outbox still (broker down), or older than the outbox keeps events.
            logger.warning(
                "some requests without progress have no published submission to send again",
                metadata: ["requests": "\(marked - published)"])
        }
        return Int(marked)
    }
}
