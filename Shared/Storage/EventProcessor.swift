import CLMContracts
import CLMMessaging
import Foundation
import Logging
import Metrics
import PostgresNIO
import ServiceLifecycle
import Synchronization

/// An event read from Kafka, with its envelope decoded and its payload still raw.
public struct IncomingEvent: Sendable {
    public let header: EventHeader
    public let bytes: [UInt8]
    public let message: KafkaMessage

    /// Decodes the full event with the payload type the handler expects.
    public func decode<P>(_: P.Type) throws -> CloudEvent<P> {
        do {
            return try CloudEvent<P>.decode(bytes)
        } catch {
            throw EventRejection(reason: "payload of \(header.type) does not decode: \(error)")
        }
    }
}

/// What a handler may do while processing one event: read and write its schema through
/// `connection`, and queue follow-up events in the same transaction.
public struct EventTransaction: Sendable {
    public let connection: PostgresConnection
    public let outbox: OutboxWriter
    public let logger: Logger

    public init(connection: PostgresConnection, outbox: OutboxWriter, logger: Logger) {
        self.connection = connection
        self.outbox = outbox
        self.logger = logger
    }

    public func publish<P>(_ event: CloudEvent<P>) async throws {
        try await outbox.enqueue(event, on: connection, logger: logger)
    }
}

/// Thrown by a handler for an event that can never be processed (bad payload, impossible
/// state). The event is logged, counted and skipped instead of blocking its partition.
public struct EventRejection: Error, Sendable, CustomStringConvertible {
    public let reason: String
    public init(reason: String) { self.reason = reason }
    public var description: String { reason }
}

/// A service's reaction to the events it subscribes to.
public protocol EventHandler: Sendable {
    /// Event types this handler acts on; others are acknowledged without touching the database.
    var eventTypes: Set<String> { get }
    /// Event types that start this service's work on a request. When one arrives again (a
    /// re-drive, or the broker lost what followed it), the service publishes again every
    /// event it already published about the same subject, so the next hop gets them even if
    /// the broker lost them (decision 0014). Default: none.
    var republishOnRedelivery: Set<String> { get }
    /// Whether the event concerns this service at all, judged before any transaction (no
    /// inbox row, no BEGIN/COMMIT for events it would ignore). Only for answers that cannot
    /// change once the event's partition got this far; default: every event of `eventTypes`.
    func concerns(_ event: IncomingEvent, client: PostgresClient, logger: Logger) async throws -> Bool
    func handle(_ event: IncomingEvent, in transaction: EventTransaction) async throws
}

extension EventHandler {
    public var republishOnRedelivery: Set<String> { [] }
    public func concerns(_ event: IncomingEvent, client: PostgresClient, logger: Logger) async throws -> Bool { true }
}

/// Consumes topics as a group member and applies each event exactly once in effect: the inbox
/// row, the handler's writes and any follow-up events commit in one transaction, and the
/// offset is stored only after that commit.
public final class EventProcessor: Service, Sendable {
    private let consumer: KafkaConsumer
    private let client: PostgresClient
    private let schema: String
    private let outbox: OutboxWriter
    private let relay: OutboxRelay?
    private let handler: any EventHandler
    private let deadLetter: (producer: KafkaProducer, topic: String)?
    private let groupID: String
    private let logger: Logger
    private let processed: Counter
    private let duplicates: Counter
    private let rejected: Counter
    private let republishedEvents: Counter
    private let membership: Membership
    private let inFlight: InFlightLimit
    /// How long one attempt at applying an event may take before it is abandoned and retried.
    private let attemptTimeout = Duration.seconds(20)

    /// True once the group gave this member its partitions: before that, events published
    /// now would wait for the join, so the service is not ready.
    public var hasJoinedGroup: Bool { membership.joined.withLock { $0 } }

    private final class Membership: Sendable {
        let joined = Mutex(false)
    }

    public init(
        kafka: KafkaConfiguration, groupID: String, topics: [String], client: PostgresClient, schema: String,
        outbox: OutboxWriter, relay: OutboxRelay?, handler: any EventHandler,
        deadLetter: (producer: KafkaProducer, topic: String)? = nil, maximumInFlight: Int = 256, logger: Logger
    ) throws {
        self.inFlight = InFlightLimit(maximumInFlight)
        self.deadLetter = deadLetter
        self.groupID = groupID
        let membership = Membership()
        self.membership = membership
        self.consumer = try KafkaConsumer(
            configuration: kafka, groupID: groupID, topics: topics, logger: logger,
            onRebalance: { event in
                if case .assigned = event { membership.joined.withLock { $0 = true } }
            })
        self.client = client
        self.schema = schema
        self.outbox = outbox
        self.relay = relay
        self.handler = handler
        self.logger = logger
        self.processed = Counter(label: "clm_events_processed_total", dimensions: [("group", groupID)])
        self.duplicates = Counter(label: "clm_events_duplicate_total", dimensions: [("group", groupID)])
        self.rejected = Counter(label: "clm_events_rejected_total", dimensions: [("group", groupID)])
        self.republishedEvents = Counter(label: "clm_events_republished_total", dimensions: [("group", groupID)])
    }

    /// Events of different partitions are applied concurrently, each partition in order (one
    /// lane per partition); at most `inFlight.limit` events are taken from the broker and not
    /// yet applied, so a fast topic cannot make the service buffer without bound.
    public func run() async throws {
        do {
            try await withThrowingDiscardingTaskGroup { group in
                var lanes: [TopicPartition: AsyncStream<KafkaMessage>.Continuation] = [:]
                defer { for lane in lanes.values { lane.finish() } }
                for await message in consumer.messages {
                    guard await inFlight.acquire() else { break }
                    let partition = TopicPartition(topic: message.topic, partition: message.partition)
                    if lanes[partition] == nil {
                        let (events, lane) = AsyncStream.makeStream(of: KafkaMessage.self)
                        lanes[partition] = lane
                        group.addTask { try await self.drain(events) }
                    }
                    lanes[partition]?.yield(message)
                }
            }
        } catch is CancellationError {
            logger.info("stopping with events unfinished; they will be re-delivered")
        }
        await consumer.close()
    }

    /// Applies one partition's events in order, marking each processed once it is.
    private func drain(_ events: AsyncStream<KafkaMessage>) async throws {
        for await message in events {
            defer { inFlight.release() }
            try await process(message)
            consumer.markProcessed(message)
        }
    }

    /// Handles one message, retrying transient failures; returns once it is applied,
    /// a duplicate, or rejected.
    func process(_ message: KafkaMessage) async throws {
        let header: EventHeader
        do {
            header = try EventHeader.decode(message.value)
        } catch {
            try await reject(message, reason: "not a CLM CloudEvent: \(error)")
            return
        }
        guard handler.eventTypes.contains(header.type) else { return }
        // Judge the event against its published JSON Schema before anything acts on it.
        do {
            let violations = try EventSchemas.validate(message.value)
            if !violations.isEmpty {
                try await reject(message, reason: "violates its schema: " + violations.prefix(3).map(\.description).joined(separator: "; "))
                return
            }
        } catch {
            try await reject(message, reason: "cannot be checked against a schema: \(error)")
            return
        }
        let event = IncomingEvent(header: header, bytes: message.value, message: message)
        var attempt = 0
        var backoff = Duration.milliseconds(100)
        while true {
            attempt += 1
            do {
                // Bounded: a transaction that hangs on a connection the database dropped
                // without a word must not stall the partition; the attempt is retried.
                switch try await withDeadline(attemptTimeout, { try await self.apply(event) }) {
                case .applied:
                    processed.increment()
                case .duplicate:
                    duplicates.increment()
                    logger.debug("duplicate event skipped", metadata: ["event.id": "\(header.id)"])
                case .ignored:
                    break
                }
                return
            } catch let rejection as EventRejection {
                try await reject(message, reason: rejection.reason)
                return
            } catch {
                // The database being down must never lose an event: keep retrying those.
                // Anything else is likely a bug; give up after a while so the partition flows.
                let transient = error is PSQLError || error is DeadlineExceeded
                if !transient && attempt >= 10 {
                    try await reject(message, reason: "gave up after \(attempt) attempts: \(String(reflecting: error))")
                    return
                }
                logger.warning(
                    "event processing failed; retrying",
                    metadata: ["event.id": "\(header.id)", "event.type": "\(header.type)", "error": "\(error)"])
                try? await Task.sleep(for: backoff)
                backoff = min(backoff * 2, .seconds(5))
                // Stopping: leave the event unmarked; the group re-delivers it to whoever runs next.
                if Task.isCancelled || Task.isShuttingDownGracefully { throw CancellationError() }
            }
        }
    }

    private enum Outcome: Sendable { case applied, duplicate, ignored }

    private func apply(_ event: IncomingEvent) async throws -> Outcome {
        let logger = self.logger
        guard try await handler.concerns(event, client: client, logger: logger) else { return .ignored }
        let (applied, republished) = try await client.transaction(logger: logger) { connection -> (Bool, Bool) in
            let inserted = try await connection.query(
                PostgresQuery(
                    unsafeSQL: """
                        INSERT INTO \(schema).inbox (event_id, event_type, topic, partition, "offset")
                        VALUES ($1, $2, $3, $4, $5) ON CONFLICT (event_id) DO NOTHING RETURNING event_id
                        """,
                    binds: {
                        var binds = PostgresBindings()
                        binds.append(event.header.id)
                        binds.append(event.header.type)
                        binds.append(event.message.topic)
                        binds.append(Int(event.message.partition))
                        binds.append(event.message.offset)
                        return binds
                    }()), logger: logger
            ).collect()
            guard !inserted.isEmpty else {
                guard handler.republishOnRedelivery.contains(event.header.type) else { return (false, false) }
                return (false, try await republish(subject: event.header.subject, on: connection, logger: logger))
            }
            var eventLogger = logger
            eventLogger[metadataKey: "event.id"] = "\(event.header.id)"
            eventLogger[metadataKey: "realm"] = "\(event.header.realm)"
            eventLogger[metadataKey: "request.id"] = "\(event.header.subject)"
            try await handler.handle(
                event, in: EventTransaction(connection: connection, outbox: outbox, logger: eventLogger))
            return (true, false)
        }
        if applied || republished { relay?.wakeSignal.signal() }
        return applied ? .applied : .duplicate
    }

    /// Queues again what this service published about `subject` (audit records aside: they
    /// are not part of the workflow). Same event ids, so whoever applied them drops them.
    private func republish(subject: String, on connection: PostgresConnection, logger: Logger) async throws -> Bool {
        let rows = try await connection.query(
            PostgresQuery(
                unsafeSQL: """
                    WITH again AS (
                        UPDATE \(schema).outbox SET published_at = NULL
                        WHERE key = $1 AND published_at IS NOT NULL AND event_type <> $2 RETURNING 1)
                    SELECT count(*) FROM again
                    """,
                binds: {
                    var binds = PostgresBindings()
                    binds.append(subject)
                    binds.append(EventType.auditRecord.rawValue)
                    return binds
                }()), logger: logger
        ).decode(Int64.self).collectAll().first ?? 0
        if rows > 0 {
            republishedEvents.increment(by: Int(rows))
            logger.debug("re-delivered event: published the subject's events again", metadata: ["subject": "\(subject)", "events": "\(rows)"])
        }
        return rows > 0
    }

    /// Sets an event aside: logged, counted, and copied to the dead-letter topic (unchanged,
    /// same key, reason and origin in headers) before its offset may advance, so nothing that
    /// is skipped is lost.
    /// Payload fields that hold credentials (a command's bearer token and key password).
    static let secretFields = ["token", "keyPassword"]

    /// The payload as it may be copied: credential fields of `data` are replaced, so the
    /// dead-letter topic never holds them.
    static func redacted(_ value: [UInt8]) -> [UInt8] {
        guard secretFields.contains(where: { value.firstRange(of: Array("\"\($0)\"".utf8)) != nil }) else { return value }
        guard var object = (try? JSONSerialization.jsonObject(with: Data(value))) as? [String: Any],
            var data = object["data"] as? [String: Any]
        else {
            // Cannot tell where the secret is: keep nothing rather than risk it.
            return Array(#"{"redacted":"the payload may hold a credential and could not be parsed"}"#.utf8)
        }
        for field in secretFields where data[field] != nil { data[field] = "[redacted]" }
        object["data"] = data
        return (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])).map(Array.init) ?? []
    }

    private func reject(_ message: KafkaMessage, reason: String) async throws {
        rejected.increment()
        logger.error(
            "event rejected",
            metadata: [
                "kafka.topic": "\(message.topic)", "kafka.partition": "\(message.partition)",
                "kafka.offset": "\(message.offset)", "reason": "\(reason)",
            ])
        guard let deadLetter else { return }
        let headers: [(String, [UInt8])] = [
            ("clm-dlq-reason", Array(reason.prefix(2000).utf8)), ("clm-dlq-topic", Array(message.topic.utf8)),
            ("clm-dlq-partition", Array("\(message.partition)".utf8)), ("clm-dlq-offset", Array("\(message.offset)".utf8)),
            ("clm-dlq-group", Array(groupID.utf8)),
        ]
        var backoff = Duration.milliseconds(200)
        while true {
            do {
                try await deadLetter.producer.send(
                    topic: deadLetter.topic, key: message.keyString ?? "", value: Self.redacted(message.value),
                    headers: headers)
                return
            } catch {
                logger.warning("dead-letter publish failed; retrying", metadata: ["error": "\(error)"])
                try? await Task.sleep(for: backoff)
                backoff = min(backoff * 2, .seconds(5))
                if Task.isCancelled || Task.isShuttingDownGracefully { throw CancellationError() }
            }
        }
    }
}
