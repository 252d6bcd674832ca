import CLMContracts
import Foundation
import Testing

@Suite("Event payload types")
struct EventPayloadTests {
    @Test("every event type has exactly one payload type, and every payload type names one event type")
    func oneToOne() {
        let types = EventPayloads.all.map { $0.eventType }
        #expect(Set(types) == Set(EventType.allCases))
        #expect(types.count == EventType.allCases.count)
        for type in EventType.allCases {
            #expect(EventPayloads.type(of: type)?.eventType == type)
        }
    }

    @Test("every event type has its JSON Schema and an entry in the AsyncAPI document")
    func documented() throws {
        let asyncAPI = try String(
            contentsOf: URL(fileURLWithPath: #filePath).deletingLastPathComponent()
                .appendingPathComponent("../../../docs/asyncapi.yaml").standardizedFileURL, encoding: .utf8)
        for type in EventType.allCases {
            #expect(throws: Never.self) { _ = try EventSchemas.schema(for: type) }
            #expect(asyncAPI.contains(type.rawValue), "\(type.rawValue) is missing from docs/asyncapi.yaml")
        }
    }

    @Test("an event built from a payload carries the payload's type")
    func typed() throws {
        let event = CloudEvent(
            source: "/t", subject: "s", realm: "r",
            data: RequestExpired(request: UUID(), realm: "r", reason: "expired: nobody answered"))
        #expect(event.type == "clm.request.expired.v1")
        #expect(RequestExpired.topic == .requestEvents)
        #expect(SubmitCommand.secretFields == ["token", "keyPassword"])
        #expect(EventPayloads.allSecretFields == ["keyPassword", "token"])
    }
}
