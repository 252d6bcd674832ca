import CLMContracts
import CLMMessaging

/// An event read from Kafka, with its envelope decoded and its payload still raw.
public struct IncomingEvent: Sendable {
    public let header: EventHeader
    public let bytes: [UInt8]
    public let message: KafkaMessage

    public init(header: EventHeader, bytes: [UInt8], message: KafkaMessage) {
        self.header = header
        self.bytes = bytes
        self.message = message
    }

    /// The event's type, when it is one CLM knows.
    public var type: EventType? { EventType(rawValue: header.type) }

    /// Decodes the payload as `P`; an event of another type, or one whose payload does not
    /// decode, is rejected (it can never be processed).
    public func decode<P: EventPayload>(_: P.Type) throws -> ReceivedEvent<P> {
        guard header.type == P.eventType.rawValue else {
            throw EventRejection(reason: "expected \(P.eventType.rawValue), got \(header.type)")
        }
        do {
            return ReceivedEvent(header: header, data: try CloudEvent<P>.decode(bytes).data)
        } catch {
            throw EventRejection(reason: "payload of \(header.type) does not decode: \(error)")
        }
    }
}

/// An event whose payload decoded as the type its handler expects.
public struct ReceivedEvent<Payload: EventPayload>: Sendable {
    public let header: EventHeader
    public let data: Payload

    public init(header: EventHeader, data: Payload) {
        self.header = header
        self.data = data
    }
}
