import CLMContracts
import Logging
import PostgresNIO

/// Writes events into a service's outbox inside the caller's transaction, so a state change
/// and the events it causes commit together or not at all.
public struct OutboxWriter: Sendable {
    public let schema: String
    public let topicPrefix: String
    /// Producer identity written into every event's `source`.
    public let source: String

    public init(schema: String, topicPrefix: String, source: String) {
        self.schema = schema
        self.topicPrefix = topicPrefix
        self.source = source
    }

    /// Builds an event of this service.
    public func event<P>(_ type: EventType, subject: String, realm: String, data: P, traceparent: String? = nil)
        -> CloudEvent<P>
    {
        CloudEvent(source: source, type: type, subject: subject, realm: realm, traceparent: traceparent, data: data)
    }

    /// Queues an event for publication; the relay sends it after the transaction commits.
    public func enqueue<P>(_ event: CloudEvent<P>, on connection: PostgresConnection, logger: Logger) async throws {
        guard let type = EventType(rawValue: event.type) else {
            preconditionFailure("unknown event type \(event.type)")
        }
        let topic = type.topic.name(prefix: topicPrefix)
        let payload = try event.encoded()
        try await connection.query(
            PostgresQuery(
                unsafeSQL:
                    "INSERT INTO \(schema).outbox (event_id, event_type, topic, key, payload) VALUES ($1, $2, $3, $4, $5)",
                binds: {
                    var binds = PostgresBindings()
                    binds.append(event.id)
                    binds.append(event.type)
                    binds.append(topic)
                    binds.append(event.subject)
                    binds.append(ByteBuffer(bytes: payload))
                    return binds
                }()), logger: logger)
    }
}
