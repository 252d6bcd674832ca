import CLMContracts
import Foundation
import Testing

@Suite("ContractCoding and CloudEvent")
struct DomainContractCodingTests {
    struct Payload: Codable, Sendable, Equatable {
        var request: UUID
        var note: String?
        var at: Date
    }

    static let eventID = UUID(uuidString: "0B9F8E7D-6C5B-4A39-8827-16F5E4D3C2B1")!
    static let requestID = UUID(uuidString: "6F1C2A4E-3B7D-4E21-9A0C-5D8E7F6A1B2C")!
    /// 2025-03-14T09:26:53.500Z — exactly representable, so no rounding question arises.
    static let time = Date(timeIntervalSince1970: 1_741_944_413.5)

    // MARK: timestamps

    @Test(
        "timestamps are RFC 3339 in UTC with milliseconds",
        arguments: [
            (0.0, "1970-01-01T00:00:00.000Z"), (1_741_944_413.5, "2025-03-14T09:26:53.500Z"),
            (1_741_944_413.25, "2025-03-14T09:26:53.250Z"), (951_782_400, "2000-02-29T00:00:00.000Z"),
        ])
    func format(_ seconds: Double, _ text: String) {
        #expect(ContractCoding.formatTimestamp(Date(timeIntervalSince1970: seconds)) == text)
    }

    @Test(
        "formatted timestamps parse back to the same instant",
        arguments: [0.0, 1_741_944_413.5, 1_741_944_413.125, -86_400.75])
    func roundTrip(_ seconds: Double) throws {
        let date = Date(timeIntervalSince1970: seconds)
        let parsed = try #require(ContractCoding.parseTimestamp(ContractCoding.formatTimestamp(date)))
        #expect(parsed == date)
    }

    @Test(
        "UTC timestamps with or without a fraction are parsed",
        arguments: [
            ("2025-03-14T09:26:53Z", 1_741_944_413.0), ("2025-03-14T09:26:53.5Z", 1_741_944_413.5),
            ("2025-03-14T09:26:53.500Z", 1_741_944_413.5), ("2025-03-14T09:26:53.123456Z", 1_741_944_413.123456),
            ("2025-03-14T09:26:53+00:00", 1_741_944_413.0),
        ])
    func parse(_ text: String, _ seconds: Double) throws {
        let date = try #require(ContractCoding.parseTimestamp(text))
        #expect(abs(date.timeIntervalSince1970 - seconds) < 0.000_5)
    }

    /// RFC 3339 allows any offset. The first strategy `parseTimestamp` tries
    /// (`.iso8601.year().month().day().time(includingFractionalSeconds: true)`, no time-zone
    /// field) reads the wall-clock time as UTC and drops the offset, so the instant is off by
    /// the offset. The fallback `.iso8601` would have read it correctly.
    @Test(
        "timestamps with a non-UTC offset are read as the right instant",
        arguments: [
            ("2025-03-14T11:26:53+02:00", 1_741_944_413.0), ("2025-03-14T11:26:53.250+02:00", 1_741_944_413.25),
            ("2025-03-14T04:26:53-05:00", 1_741_944_413.0),
        ])
    func parseOffset(_ text: String, _ seconds: Double) throws {
        let date = try #require(ContractCoding.parseTimestamp(text))
        #expect(abs(date.timeIntervalSince1970 - seconds) < 0.000_5)
    }

    /// Same cause: a timestamp with no offset at all is not RFC 3339, yet it is accepted as UTC.
    @Test("a timestamp without an offset is refused")
    func parseWithoutOffset() {
        #expect(ContractCoding.parseTimestamp("2025-03-14T09:26:53.589") == nil)
    }

    @Test(
        "non-timestamps are refused",
        arguments: ["", "nonsense", "2025-03-14", "09:26:53Z", "2025-13-14T09:26:53Z", "1741944413"])
    func refuse(_ text: String) {
        #expect(ContractCoding.parseTimestamp(text) == nil)
    }

    /// `formatTimestamp` truncates to milliseconds instead of rounding, so an instant whose
    /// binary value lies just below a millisecond (1741944413.589 is stored as .58899998…) is
    /// written one millisecond early and does not survive a round trip.
    @Test("a millisecond timestamp is written as that millisecond")
    func millisecondsAreNotTruncated() {
        let date = Date(timeIntervalSince1970: 1_741_944_413.589)
        #expect(ContractCoding.formatTimestamp(date) == "2025-03-14T09:26:53.589Z")
        let back = ContractCoding.parseTimestamp(ContractCoding.formatTimestamp(date))
        #expect(back.map { abs($0.timeIntervalSince(date)) < 0.000_5 } == true)
    }

    @Test("a bad timestamp in a body is a decoding error that quotes it")
    func badTimestampInBody() {
        let json = #"{"request":"6F1C2A4E-3B7D-4E21-9A0C-5D8E7F6A1B2C","at":"yesterday"}"#
        #expect {
            _ = try ContractCoding.decoder().decode(Payload.self, from: Data(json.utf8))
        } throws: { error in
            guard case DecodingError.dataCorrupted(let context) = error else { return false }
            return context.codingPath.map(\.stringValue) == ["at"] && context.debugDescription.contains("'yesterday'")
        }
    }

    // MARK: CloudEvent

    private func event(traceparent: String? = nil, note: String? = "hello/world") -> CloudEvent<Payload> {
        CloudEvent(
            id: Self.eventID, source: "/clm/intake", type: .requestSubmitted, subject: Self.requestID.uuidString,
            realm: "acme-corp", time: Self.time, traceparent: traceparent,
            data: Payload(request: Self.requestID, note: note, at: Self.time))
    }

    @Test(
        "an event survives encode and decode",
        arguments: [nil, "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"])
    func eventRoundTrip(_ traceparent: String?) throws {
        let original = event(traceparent: traceparent)
        let decoded = try CloudEvent<Payload>.decode(original.encoded())
        #expect(decoded.specversion == "1.0")
        #expect(decoded.id == Self.eventID)
        #expect(decoded.source == "/clm/intake")
        #expect(decoded.type == "clm.request.submitted.v1")
        #expect(decoded.subject == Self.requestID.uuidString)
        #expect(decoded.time == Self.time)
        #expect(decoded.datacontenttype == "application/json")
        #expect(decoded.realm == "acme-corp")
        #expect(decoded.traceparent == traceparent)
        #expect(decoded.data == original.data)
    }

    @Test("the encoding has sorted keys, unescaped slashes, RFC 3339 time and no null traceparent")
    func eventEncoding() throws {
        let text = String(decoding: try event().encoded(), as: UTF8.self)
        #expect(text.hasPrefix(#"{"data":{"#))
        #expect(text.contains(#""source":"/clm/intake""#))
        #expect(text.contains(#""note":"hello/world""#))
        #expect(text.contains(#""time":"2025-03-14T09:26:53.500Z""#))
        #expect(!text.contains("traceparent"))
        let keys = try #require(JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any]).keys
        #expect(
            Set(keys) == ["data", "datacontenttype", "id", "realm", "source", "specversion", "subject", "time", "type"])
        let order = [
            "\"data\"", "\"datacontenttype\"", "\"id\"", "\"realm\"", "\"source\"", "\"specversion\"", "\"subject\"",
            "\"time\"", "\"type\"",
        ]
        let positions = order.compactMap { text.range(of: $0)?.lowerBound }
        #expect(positions.count == order.count && positions == positions.sorted())
    }

    @Test("the header is read without knowing the payload type")
    func header() throws {
        let bytes = try event(traceparent: "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01").encoded()
        let header = try EventHeader.decode(bytes)
        #expect(header.specversion == "1.0")
        #expect(header.id == Self.eventID)
        #expect(header.source == "/clm/intake")
        #expect(header.type == EventType.requestSubmitted.rawValue)
        #expect(header.subject == Self.requestID.uuidString)
        #expect(header.time == Self.time)
        #expect(header.realm == "acme-corp")
        #expect(header.traceparent == "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01")
    }

    @Test("a header whose time has no fraction decodes")
    func headerWithoutFraction() throws {
        let json = """
            {"specversion":"1.0","id":"0B9F8E7D-6C5B-4A39-8827-16F5E4D3C2B1","source":"/clm/registry",
             "type":"clm.registry.policy.v1","subject":"web-server","time":"2025-03-14T09:26:53Z",
             "realm":"acme-corp","data":{"anything":[1,2,3]}}
            """
        let header = try EventHeader.decode(Array(json.utf8))
        #expect(header.time == Date(timeIntervalSince1970: 1_741_944_413))
        #expect(header.traceparent == nil)
        #expect(header.type == "clm.registry.policy.v1")
    }

    @Test("a header without a realm is refused")
    func headerWithoutRealm() {
        let json = """
            {"specversion":"1.0","id":"0B9F8E7D-6C5B-4A39-8827-16F5E4D3C2B1","source":"/clm/registry",
             "type":"clm.registry.policy.v1","subject":"web-server","time":"2025-03-14T09:26:53Z"}
            """
        #expect(throws: DecodingError.self) { try EventHeader.decode(Array(json.utf8)) }
    }

    @Test("an event with a payload of the wrong shape is refused")
    func wrongPayload() throws {
        struct Other: Codable, Sendable { var count: Int }
        let bytes = try event().encoded()
        #expect(throws: DecodingError.self) { try CloudEvent<Other>.decode(bytes) }
    }
}
