import CLMMessaging
import Logging
import Metrics
import PostgresNIO
import ServiceLifecycle
import Synchronization

/// Publishes a service's outbox to Kafka in insertion order and marks rows published only
/// after the broker acknowledged them. A crash between the two re-publishes; consumers
/// deduplicate by event id, so the effect is exactly once.
///
/// Published rows are kept for `Retention.keep`, because a broker can lose what it
/// acknowledged (an in-memory broker restarted, an unclean leader election). The relay notices
/// when a partition's log went backwards — an acknowledged offset lower than one it saw
/// before, or a high watermark below it — re-creates the topics with CLM's settings and
/// publishes again what it sent within `Retention.replayWindow` (decision 0014).
public final class OutboxRelay: Service, Sendable {
    /// How long published events stay in the outbox, and how far back a broker loss replays.
    public struct Retention: Sendable {
        /// Published rows older than this are deleted; nil keeps them (the registry's
        /// snapshots, which a compacted topic must get back whole).
        public var keep: Duration?
        /// After the broker lost its log, rows published this recently are sent again; nil
        /// sends everything kept.
        public var replayWindow: Duration?

        public init(keep: Duration?, replayWindow: Duration?) {
            self.keep = keep
            self.replayWindow = replayWindow
        }

        /// Every service but the registry, unless configured: a week kept, ten minutes replayed.
        public static let standard = Retention(keep: .seconds(168 * 3600), replayWindow: .seconds(600))

        /// The registry's: keep every snapshot and replay them all.
        public static let everything = Retention(keep: nil, replayWindow: nil)
    }

    private let client: PostgresClient
    private let outbox: Outbox
    private let producer: KafkaProducer
    private let logger: Logger
    private let batchSize: Int
    private let retention: Retention
    private let topics: [TopicSpecification]
    /// The highest offset the broker acknowledged per partition, since this process started.
    private let acknowledged = Mutex(AcknowledgedOffsets())
    /// Signal it after committing a transaction that wrote to the outbox.
    public let wakeSignal = WakeSignal()
    private let published: Counter
    private let failures: Counter
    private let replays: Counter

    public init(
        client: PostgresClient, outbox: Outbox, producer: KafkaProducer, logger: Logger,
        retention: Retention = .standard,
        topics: [TopicSpecification] = [], batchSize: Int = 500
    ) {
        self.client = client
        self.outbox = outbox
        let schema = outbox.schema
        self.producer = producer
        self.logger = logger
        self.batchSize = batchSize
        self.retention = retention
        self.topics = topics
        self.published = Counter(label: "clm_outbox_published_total", dimensions: [("schema", schema)])
        self.failures = Counter(label: "clm_outbox_failures_total", dimensions: [("schema", schema)])
        self.replays = Counter(label: "clm_outbox_replays_total", dimensions: [("schema", schema)])
    }

    public func run() async throws {
        // What the broker acknowledged before this process started, so a broker that lost
        // its log while the service was down is noticed too.
        do {
            try await loadAcknowledged()
        } catch {
            logger.warning("cannot read the outbox's published offsets", metadata: ["error": "\(error)"])
        }
        var backoff = Duration.milliseconds(100)
        let clock = ContinuousClock()
        var nextLogCheck = clock.now + .seconds(5)
        var nextPrune = clock.now + .seconds(60)
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            do {
                // Bounded, like every database round: see `withDeadline`.
                let count = try await withDeadline(.seconds(30)) { try await self.relayBatch() }
                backoff = .milliseconds(100)
                if clock.now >= nextLogCheck {
                    nextLogCheck = clock.now + .seconds(5)
                    try await withDeadline(.seconds(30)) { try await self.checkBrokerLog() }
                }
                if clock.now >= nextPrune {
                    nextPrune = clock.now + .seconds(60)
                    try await withDeadline(.seconds(30)) { try await self.prune() }
                }
                if count == 0 { await wakeSignal.wait(timeout: .milliseconds(500)) }
            } catch {
                failures.increment()
                logger.warning(
                    "outbox relay failed; retrying", metadata: ["error": "\(error)", "retry.in": "\(backoff)"])
                // A broker that lost its topics answers every message with an unknown topic.
                if !topics.isEmpty { try? await producer.createTopics(topics, timeout: .seconds(5)) }
                try? await Task.sleep(for: backoff)
                backoff = min(backoff * 2, .seconds(5))
            }
        }
        // Drain what is already committed so a graceful stop leaves nothing pending — but
        // only briefly: with the database or broker gone, the rows simply wait for next start.
        await withTaskGroup(of: Void.self) { group in
            group.addTask { _ = try? await self.relayBatch() }
            group.addTask { try? await Task.sleep(for: .seconds(3)) }
            await group.next()
            group.cancelAll()
        }
    }

    /// Sends one batch; returns how many rows it published.
    func relayBatch() async throws -> Int {
        let rows = try await outbox.pending(limit: batchSize, client: client, logger: logger)
        guard !rows.isEmpty else { return 0 }
        // Enqueue all first (order kept per partition), then await the acknowledgements.
        var pending: [(Int64, String, DeliveryFuture)] = []
        var enqueueError: (any Error)?
        for row in rows {
            do {
                pending.append(
                    (
                        row.id, row.topic,
                        try producer.produce(
                            topic: row.topic, key: row.key, value: row.payload, headers: Self.headers(of: row))
                    ))
            } catch {
                enqueueError = error
                break
            }
        }
        var delivered: [Outbox.Delivery] = []
        var reports: [(TopicPartition, Int64)] = []
        var deliveryError: (any Error)?
        for (id, topic, future) in pending {
            do {
                let report = try await future.value
                delivered.append(Outbox.Delivery(id: id, partition: report.partition, offset: report.offset))
                reports.append((TopicPartition(topic: topic, partition: report.partition), report.offset))
            } catch {
                deliveryError = deliveryError ?? error
            }
        }
        try await outbox.markPublished(delivered, client: client, logger: logger)
        published.increment(by: delivered.count)
        if let regression = acknowledged.withLock({ $0.record(reports) }) {
            try await replay(because: regression)
        }
        if let error = enqueueError ?? deliveryError { throw error }
        return delivered.count
    }

    private func loadAcknowledged() async throws {
        let rows = try await outbox.acknowledgedOffsets(within: retention.replayWindow, client: client, logger: logger)
        let seeded = Dictionary(rows.map { (TopicPartition(topic: $0.topic, partition: $0.partition), $0.offset) }) {
            max($0, $1)
        }
        acknowledged.withLock { $0 = AcknowledgedOffsets(seeded: seeded) }
    }

    /// Asks the broker where the partitions this relay wrote to end — one per topic, the one
    /// it wrote furthest into: a broker that lost its log lost all of them. A log that ends
    /// before what it acknowledged to us, or a partition it no longer knows, was lost.
    func checkBrokerLog() async throws {
        let known = acknowledged.withLock { $0 }
        let furthest = Dictionary(grouping: known.highest, by: \.key.topic).compactMap { _, entries in
            entries.max { $0.value < $1.value }?.key
        }
        for partition in furthest.sorted(by: { $0.description < $1.description }) {
            let watermark = await producer.highWatermark(topic: partition.topic, partition: partition.partition)
            // Nothing to learn while the broker does not answer.
            if watermark == .unavailable { return }
            if let loss = known.judge(partition, watermark) { return try await replay(because: loss) }
        }
    }

    /// The broker lost events it had acknowledged: put its topics back and queue what was
    /// published within the replay window again. Consumers drop what they already applied.
    private func replay(because reason: String) async throws {
        replays.increment()
        acknowledged.withLock { $0.forget() }
        if !topics.isEmpty { try? await producer.createTopics(topics, timeout: .seconds(5)) }
        let count = try await outbox.requeuePublished(within: retention.replayWindow, client: client, logger: logger)
        logger.warning(
            "the broker lost events it had acknowledged; publishing them again",
            metadata: ["reason": "\(reason)", "events": "\(count)"])
        wakeSignal.signal()
    }

    /// Deletes published rows older than the retention.
    private func prune() async throws {
        guard let keep = retention.keep else { return }
        try await outbox.prune(olderThan: keep, client: client, logger: logger)
    }
}

extension OutboxRelay {
    /// The CloudEvents Kafka binding, structured mode (decision 0024): the value is the whole
    /// event as JSON, and `content-type` says so, which is how other SDKs recognise a
    /// CloudEvent. The trace context rides along as `traceparent` (W3C Trace Context's Kafka
    /// convention) for consumers that do not parse the event.
    static func headers(of row: Outbox.Pending) -> [(String, [UInt8])] {
        var headers = [("content-type", contentType)]
        if let traceparent = row.traceparent { headers.append(("traceparent", Array(traceparent.utf8))) }
        return headers
    }

    static let contentType = Array("application/cloudevents+json; charset=UTF-8".utf8)
}
