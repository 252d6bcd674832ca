import CLMContracts
import CLMMessaging
import Foundation
import Logging
import Metrics
import PostgresNIO
import ServiceLifecycle
import Synchronization

/// Consumes topics as a group member and applies each event exactly once in effect: the inbox
/// row, the handler's writes and any follow-up events commit in one transaction, and the
/// offset is stored only after that commit.
public final class EventProcessor: Service, Sendable {
    private let consumer: KafkaConsumer
    private let client: PostgresClient
    private let inbox: Inbox
    private let outbox: Outbox
    private let relay: OutboxRelay?
    private let handler: any EventHandler
    private let routes: EventRoutes
    private let deadLetter: DeadLetter?
    private let logger: Logger
    private let processed: Counter
    private let duplicates: Counter
    private let rejected: Counter
    private let republishedEvents: Counter
    private let deferred: Counter
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
        kafka: KafkaConfiguration, groupID: String, topics: [String], client: PostgresClient,
        outbox: Outbox, relay: OutboxRelay?, handler: any EventHandler,
        deadLetter: DeadLetter? = nil, maximumInFlight: Int = 256, logger: Logger
    ) throws {
        self.inFlight = InFlightLimit(maximumInFlight)
        self.deadLetter = deadLetter
        let membership = Membership()
        self.membership = membership
        self.consumer = try KafkaConsumer(
            configuration: kafka, groupID: groupID, topics: topics, logger: logger,
            onRebalance: { event in
                if case .assigned = event { membership.joined.withLock { $0 = true } }
            })
        self.client = client
        self.inbox = Inbox(schema: outbox.schema)
        self.outbox = outbox
        self.relay = relay
        self.handler = handler
        self.routes = handler.routes
        self.logger = logger
        self.processed = Counter(label: "clm_events_processed_total", dimensions: [("group", groupID)])
        self.duplicates = Counter(label: "clm_events_duplicate_total", dimensions: [("group", groupID)])
        self.rejected = Counter(label: "clm_events_rejected_total", dimensions: [("group", groupID)])
        self.republishedEvents = Counter(label: "clm_events_republished_total", dimensions: [("group", groupID)])
        self.deferred = Counter(label: "clm_events_deferred_total", dimensions: [("group", groupID)])
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
            try await reject(message, header: nil, reason: "not a CLM CloudEvent: \(error)")
            return
        }
        guard let route = routes.route(for: header.type) else { return }
        // Judge the event against its published JSON Schema before anything acts on it.
        if let problem = Self.schemaProblem(message.value, header: header) {
            try await reject(message, header: header, reason: problem)
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
                switch try await withDeadline(attemptTimeout, { try await self.apply(event, route: route) }) {
                case .applied:
                    processed.increment()
                case .duplicate:
                    duplicates.increment()
                    logger.debug("duplicate event skipped", metadata: ["event.id": "\(header.id)"])
                case .deferred:
                    deferred.increment()
                case .ignored:
                    break
                }
                return
            } catch let rejection as EventRejection {
                try await reject(message, header: header, reason: rejection.reason)
                return
            } catch {
                // The database being down must never lose an event: keep retrying those.
                // Anything else is likely a bug; give up after a while so the partition flows.
                let transient = error is PSQLError || error is DeadlineExceeded
                if !transient && attempt >= 10 {
                    try await reject(
                        message, header: header,
                        reason: "gave up after \(attempt) attempts: \(String(reflecting: error))")
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

    private enum Outcome: Sendable { case applied, duplicate, deferred, ignored }

    /// Why the event fails its published JSON Schema, or nil when it passes.
    static func schemaProblem(_ bytes: [UInt8], header: EventHeader) -> String? {
        do {
            let violations = try EventSchemas.validate(bytes)
            return violations.isEmpty ? nil : "violates its schema: " + describe(violations, of: header)
        } catch {
            return "cannot be checked against a schema: \(error)"
        }
    }

    /// The first violations, in words — never quoting a credential field's value, since the
    /// reason is logged, put in a dead-letter header and may answer a command.
    static func describe(_ violations: [JSONSchema.Violation], of header: EventHeader) -> String {
        let type = EventType(rawValue: header.type).flatMap(EventPayloads.type(of:))
        let secret = Set((type?.secretFields ?? []).map { "/data/\($0)" })
        return violations.prefix(3).map {
            secret.contains($0.path) ? "\($0.path): invalid (value withheld)" : $0.description
        }
        .joined(separator: "; ")
    }

    private func apply(_ event: IncomingEvent, route: EventRoutes.Route) async throws -> Outcome {
        let logger = self.logger
        guard try await handler.concerns(event, client: client, logger: logger) else { return .ignored }
        let applied: Bool
        let republished: Bool
        do {
            (applied, republished) = try await transaction(event, route: route)
        } catch let deferral as EventDeferral {
            logger.notice(
                "event arrived before what it follows; passed over until it is published again",
                metadata: [
                    "event.id": "\(event.header.id)", "event.type": "\(event.header.type)", "reason": "\(deferral)",
                ])
            return .deferred
        }
        if applied || republished { relay?.wakeSignal.signal() }
        return applied ? .applied : .duplicate
    }

    /// Claims the event in the inbox and runs its route (or, for a duplicate, republishes when
    /// the handler asks), in one transaction: whether it was applied, and whether republished.
    private func transaction(_ event: IncomingEvent, route: EventRoutes.Route) async throws -> (Bool, Bool) {
        let logger = self.logger
        return try await client.transaction(logger: logger) { connection -> (Bool, Bool) in
            guard try await inbox.claim(event.header, message: event.message, on: connection, logger: logger) else {
                guard let type = event.type, handler.republishOnRedelivery.contains(type) else { return (false, false) }
                return (false, try await republish(subject: event.header.subject, on: connection, logger: logger))
            }
            var eventLogger = logger
            eventLogger[metadataKey: "event.id"] = "\(event.header.id)"
            eventLogger[metadataKey: "realm"] = "\(event.header.realm)"
            eventLogger[metadataKey: "request.id"] = "\(event.header.subject)"
            try await route(
                event,
                EventTransaction(
                    connection: connection, outbox: outbox, logger: eventLogger, traceparent: event.header.traceparent))
            return (true, false)
        }
    }

    /// Queues again what this service published about `subject`.
    private func republish(subject: String, on connection: PostgresConnection, logger: Logger) async throws -> Bool {
        let rows = try await outbox.requeue(subject: subject, on: connection, logger: logger)
        if rows > 0 {
            republishedEvents.increment(by: rows)
            logger.debug(
                "re-delivered event: published the subject's events again",
                metadata: ["subject": "\(subject)", "events": "\(rows)"])
        }
        return rows > 0
    }

    /// Sets an event aside: logged, counted, answered by the handler when it wants to (a
    /// command's result) and copied to the dead-letter topic, before its offset may advance.
    private func reject(_ message: KafkaMessage, header: EventHeader?, reason: String) async throws {
        rejected.increment()
        logger.error(
            "event rejected",
            metadata: [
                "kafka.topic": "\(message.topic)", "kafka.partition": "\(message.partition)",
                "kafka.offset": "\(message.offset)", "reason": "\(reason)",
            ])
        if let header { try await settleRejection(header, message: message, reason: reason) }
        try await deadLetter?.send(message, reason: reason)
    }

    /// Lets the handler answer a rejected event once (the inbox row makes a re-delivered copy
    /// a no-op), retrying while the database is away.
    private func settleRejection(_ header: EventHeader, message: KafkaMessage, reason: String) async throws {
        var backoff = Duration.milliseconds(100)
        for attempt in 1... {
            do {
                try await withDeadline(attemptTimeout) {
                    try await self.client.transaction(logger: self.logger) { connection in
                        guard try await self.inbox.claim(header, message: message, on: connection, logger: self.logger)
                        else { return }
                        try await self.handler.rejected(
                            header, reason: reason,
                            in: EventTransaction(
                                connection: connection, outbox: self.outbox, logger: self.logger,
                                traceparent: header.traceparent))
                    }
                }
                relay?.wakeSignal.signal()
                return
            } catch {
                // As for events: the database being away is waited out; a handler that keeps
                // failing is given up on, so the partition flows.
                if !(error is PSQLError || error is DeadlineExceeded) && attempt >= 10 {
                    logger.error("gave up answering a rejected event", metadata: ["error": "\(error)"])
                    return
                }
                logger.warning("answering a rejected event failed; retrying", metadata: ["error": "\(error)"])
                try? await Task.sleep(for: backoff)
                backoff = min(backoff * 2, .seconds(5))
                if Task.isCancelled || Task.isShuttingDownGracefully { throw CancellationError() }
            }
        }
    }
}
