import CLMMessaging
import Logging
import Metrics
import PostgresNIO
import ServiceLifecycle

/// Publishes a service's outbox to Kafka in insertion order, deleting rows only after the
/// broker acknowledged them. A crash between the two re-publishes; consumers deduplicate by
/// event id, so the effect is exactly once.
public final class OutboxRelay: Service, Sendable {
    private let client: PostgresClient
    private let schema: String
    private let producer: KafkaProducer
    private let logger: Logger
    private let batchSize: Int
    /// Signal it after committing a transaction that wrote to the outbox.
    public let wakeSignal = WakeSignal()
    private let published: Counter
    private let failures: Counter

    public init(client: PostgresClient, schema: String, producer: KafkaProducer, logger: Logger, batchSize: Int = 500) {
        self.client = client
        self.schema = schema
        self.producer = producer
        self.logger = logger
        self.batchSize = batchSize
        self.published = Counter(label: "clm_outbox_published_total", dimensions: [("schema", schema)])
        self.failures = Counter(label: "clm_outbox_failures_total", dimensions: [("schema", schema)])
    }

    public func run() async throws {
        var backoff = Duration.milliseconds(100)
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            do {
                let count = try await relayBatch()
                backoff = .milliseconds(100)
                if count == 0 { await wakeSignal.wait(timeout: .milliseconds(500)) }
            } catch {
                failures.increment()
                logger.warning("outbox relay failed; retrying", metadata: ["error": "\(error)", "retry.in": "\(backoff)"])
                try? await Task.sleep(for: backoff)
                backoff = min(backoff * 2, .seconds(5))
            }
        }
        // Drain what is already committed so a graceful stop leaves the outbox empty — but
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
        let rows = try await client.query(
            PostgresQuery(
                unsafeSQL: "SELECT id, topic, key, payload FROM \(schema).outbox ORDER BY id LIMIT \(batchSize)"),
            logger: logger
        ).decode((Int64, String, String, ByteBuffer).self).collectAll()
        guard !rows.isEmpty else { return 0 }
        // Enqueue all first (order kept per partition), then await the acknowledgements.
        var pending: [(Int64, DeliveryFuture)] = []
        var enqueueError: (any Error)?
        for (id, topic, key, payload) in rows {
            do {
                pending.append((id, try producer.produce(topic: topic, key: key, value: Array(buffer: payload))))
            } catch {
                enqueueError = error
                break
            }
        }
        var delivered: [Int64] = []
        var deliveryError: (any Error)?
        for (id, future) in pending {
            do {
                _ = try await future.value
                delivered.append(id)
            } catch {
                deliveryError = deliveryError ?? error
            }
        }
        if !delivered.isEmpty {
            try await client.query(
                PostgresQuery(
                    unsafeSQL: "DELETE FROM \(schema).outbox WHERE id = ANY($1)",
                    binds: {
                        var binds = PostgresBindings()
                        binds.append(delivered)
                        return binds
                    }()), logger: logger)
            published.increment(by: delivered.count)
        }
        if let error = enqueueError ?? deliveryError { throw error }
        return delivered.count
    }
}
