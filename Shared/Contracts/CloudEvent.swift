import Foundation

/// A CloudEvents 1.0 envelope in structured JSON mode, with CLM's `realm` and `traceparent`
/// extensions. `Payload` is the versioned event body named by `type`.
public struct CloudEvent<Payload: Codable & Sendable>: Codable, Sendable {
    public var specversion: String
    /// Unique per event; consumers deduplicate on it (inbox).
    public var id: UUID
    /// The producing service, e.g. `/clm/intake`.
    public var source: String
    /// Versioned event type, e.g. `clm.request.submitted.v1`.
    public var type: String
    /// The object the event is about (request id, policy id…); also the Kafka key.
    public var subject: String
    public var time: Date
    public var datacontenttype: String
    /// Tenant the event belongs to: consumers never act across realms.
    public var realm: String
    /// W3C trace context of the action that caused the event, when known.
    public var traceparent: String?
    public var data: Payload

    public init(
        id: UUID = UUID(),
        source: String,
        type: EventType,
        subject: String,
        realm: String,
        time: Date = Date(),
        traceparent: String? = nil,
        data: Payload
    ) {
        self.specversion = "1.0"
        self.id = id
        self.source = source
        self.type = type.rawValue
        self.subject = subject
        self.time = time
        self.datacontenttype = "application/json"
        self.realm = realm
        self.traceparent = traceparent
        self.data = data
    }
}

extension CloudEvent where Payload: EventPayload {
    /// An event whose type follows from its payload.
    public init(
        id: UUID = UUID(), source: String, subject: String, realm: String, time: Date = Date(),
        traceparent: String? = nil, data: Payload
    ) {
        self.init(
            id: id, source: source, type: Payload.eventType, subject: subject, realm: realm, time: time,
            traceparent: traceparent, data: data)
    }
}

/// The envelope without its data: what a consumer reads first to route an event.
public struct EventHeader: Codable, Sendable, Equatable {
    public var specversion: String
    public var id: UUID
    public var source: String
    public var type: String
    public var subject: String
    public var time: Date
    public var realm: String
    public var traceparent: String?
}

/// The one JSON coding configuration every event and API body uses, so producers and
/// consumers agree on dates (RFC 3339 with fractional seconds) and key order is stable.
public enum ContractCoding {
    public static func encoder() -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .custom { date, encoder in
            var container = encoder.singleValueContainer()
            try container.encode(formatTimestamp(date))
        }
        return encoder
    }

    public static func decoder() -> JSONDecoder {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .custom { decoder in
            let container = try decoder.singleValueContainer()
            let text = try container.decode(String.self)
            guard let date = parseTimestamp(text) else {
                throw DecodingError.dataCorruptedError(
                    in: container, debugDescription: "expected an RFC 3339 timestamp, got '\(text)'")
            }
            return date
        }
        return decoder
    }

    /// RFC 3339 in UTC with milliseconds, rounded (not truncated) so a timestamp survives a
    /// write and read at millisecond precision.
    public static func formatTimestamp(_ date: Date) -> String {
        // Whole milliseconds as integers: a Double like .589 is really .58899…, which a
        // formatter would truncate to .588.
        let millis = Int64((date.timeIntervalSince1970 * 1000).rounded())
        let (seconds, fraction) = (millis - ((millis % 1000) + 1000) % 1000, ((millis % 1000) + 1000) % 1000)
        let whole = Date(timeIntervalSince1970: Double(seconds / 1000)).formatted(Date.ISO8601FormatStyle())
        let digits = String(fraction)
        return whole.dropLast() + "." + String(repeating: "0", count: 3 - digits.count) + digits + "Z"
    }

    /// Parses RFC 3339 with or without fractional seconds; the UTC offset is required and
    /// honoured.
    public static func parseTimestamp(_ text: String) -> Date? {
        if let date = try? Date.ISO8601FormatStyle(includingFractionalSeconds: true).parse(text) { return date }
        return try? Date.ISO8601FormatStyle().parse(text)
    }
}

extension CloudEvent {
    /// Encodes the event as its Kafka message value.
    public func encoded() throws -> [UInt8] {
        Array(try ContractCoding.encoder().encode(self))
    }

    /// Decodes a full event of a known payload type.
    public static func decode(_ bytes: [UInt8]) throws -> CloudEvent<Payload> {
        try ContractCoding.decoder().decode(CloudEvent<Payload>.self, from: Data(bytes))
    }
}

extension EventHeader {
    public static func decode(_ bytes: [UInt8]) throws -> EventHeader {
        try ContractCoding.decoder().decode(EventHeader.self, from: Data(bytes))
    }
}
