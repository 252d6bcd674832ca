import CLMContracts
import Logging
import PostgresNIO

/// A service's outbox table, and the only code that reads or writes it: events are queued in
/// the transaction of the change that caused them, the relay publishes them, and a re-drive
/// or a broker that lost its log queues published ones again (decision 0014).
public struct Outbox: Sendable {
    public let schema: String
    public let topicPrefix: String
    /// Producer identity written into every event's `source`.
    public let source: String

    public init(schema: String, topicPrefix: String, source: String) {
        self.schema = schema
        self.topicPrefix = topicPrefix
        self.source = source
    }

    /// One row waiting for the relay.
    public struct Pending: Sendable {
        public var id: Int64
        public var topic: String
        public var key: String
        public var payload: [UInt8]
        /// The event's `traceparent`, when it has one.
        public var traceparent: String?
    }

    /// Where the broker said it stored a published row.
    public struct Delivery: Sendable {
        public var id: Int64
        public var partition: Int32
        public var offset: Int64

        public init(id: Int64, partition: Int32, offset: Int64) {
            self.id = id
            self.partition = partition
            self.offset = offset
        }
    }

    /// Builds an event of this service whose type follows from its payload.
    public func event<P: EventPayload>(_ data: P, subject: String, realm: String, traceparent: String? = nil)
        -> CloudEvent<P>
    {
        CloudEvent(source: source, subject: subject, realm: realm, traceparent: traceparent, data: data)
    }

    /// Queues an event; the relay sends it after the transaction commits. The subject is the
    /// Kafka key, so one subject's events stay in order.
    public func enqueue<P: EventPayload>(_ event: CloudEvent<P>, on connection: PostgresConnection, logger: Logger)
        async throws
    {
        let topic = P.topic.name(prefix: topicPrefix)
        let payload = ByteBuffer(bytes: try event.encoded())
        try await connection.query(
            """
            INSERT INTO \(unescaped: schema).outbox (event_id, event_type, topic, key, payload, traceparent)
            VALUES (\(event.id), \(event.type), \(topic), \(event.subject), \(payload), \(event.traceparent))
            """, logger: logger)
    }

    /// The oldest rows not yet published, in the order they were written.
    func pending(limit: Int, client: PostgresClient, logger: Logger) async throws -> [Pending] {
        try await client.query(
            """
            SELECT id, topic, key, payload, traceparent FROM \(unescaped: schema).outbox
            WHERE published_at IS NULL ORDER BY id LIMIT \(limit)
            """, logger: logger
        ).decode((Int64, String, String, ByteBuffer, String?).self).collectAll().map {
            Pending(id: $0.0, topic: $0.1, key: $0.2, payload: Array(buffer: $0.3), traceparent: $0.4)
        }
    }

    /// Marks rows published where the broker acknowledged them.
    func markPublished(_ deliveries: [Delivery], client: PostgresClient, logger: Logger) async throws {
        guard !deliveries.isEmpty else { return }
        try await client.query(
            """
            UPDATE \(unescaped: schema).outbox o
            SET published_at = now(), published_partition = d.partition, published_offset = d.offset
            FROM unnest(\(deliveries.map(\.id))::bigint[], \(deliveries.map(\.partition))::integer[],
                        \(deliveries.map(\.offset))::bigint[]) AS d(id, partition, "offset")
            WHERE o.id = d.id
            """, logger: logger)
    }

    /// The highest acknowledged offset per topic and partition among rows published within
    /// `window` (nil: every kept row).
    func acknowledgedOffsets(within window: Duration?, client: PostgresClient, logger: Logger) async throws
        -> [(topic: String, partition: Int32, offset: Int64)]
    {
        try await client.query(
            """
            SELECT topic, published_partition, max(published_offset) FROM \(unescaped: schema).outbox
            WHERE published_offset IS NOT NULL \(unescaped: Self.publishedWithin(window))
            GROUP BY topic, published_partition
            """, logger: logger
        ).decode((String, Int32, Int64).self).collectAll().map { (topic: $0.0, partition: $0.1, offset: $0.2) }
    }

    /// Queues again every row published within `window` (nil: all kept rows); how many.
    func requeuePublished(within window: Duration?, client: PostgresClient, logger: Logger) async throws -> Int {
        try await count(
            client.query(
                """
                WITH again AS (UPDATE \(unescaped: schema).outbox SET published_at = NULL
                    WHERE published_at IS NOT NULL \(unescaped: Self.publishedWithin(window)) RETURNING 1)
                SELECT count(*) FROM again
                """, logger: logger))
    }

    /// Queues again what was published about `subject` except audit records (they are not
    /// part of the workflow): same event ids, so whoever applied them drops them.
    public func requeue(subject: String, on connection: PostgresConnection, logger: Logger) async throws -> Int {
        try await count(
            connection.query(
                """
                WITH again AS (UPDATE \(unescaped: schema).outbox SET published_at = NULL
                    WHERE key = \(subject) AND published_at IS NOT NULL
                      AND event_type <> \(EventType.auditRecord.rawValue) RETURNING 1)
                SELECT count(*) FROM again
                """, logger: logger))
    }

    /// Queues again the published events of type `P` about `subjects` (a re-drive); how many.
    public func requeue<P: EventPayload>(
        _: P.Type, subjects: [String], on connection: PostgresConnection, logger: Logger
    ) async throws -> Int {
        guard !subjects.isEmpty else { return 0 }
        return try await count(
            connection.query(
                """
                WITH again AS (UPDATE \(unescaped: schema).outbox SET published_at = NULL
                    WHERE key = ANY(\(subjects)::text[]) AND event_type = \(P.eventType.rawValue)
                      AND published_at IS NOT NULL RETURNING 1)
                SELECT count(*) FROM again
                """, logger: logger))
    }

    /// Deletes rows published longer than `keep` ago.
    func prune(olderThan keep: Duration, client: PostgresClient, logger: Logger) async throws {
        try await client.query(
            """
            DELETE FROM \(unescaped: schema).outbox
            WHERE published_at < now() - make_interval(secs => \(Int(keep.components.seconds)))
            """, logger: logger)
    }

    private static func publishedWithin(_ window: Duration?) -> String {
        window.map { "AND published_at > now() - make_interval(secs => \($0.components.seconds))" } ?? ""
    }

    private func count(_ rows: PostgresRowSequence) async throws -> Int {
        Int(try await rows.decode(Int64.self).collectAll().first ?? 0)
    }
}
