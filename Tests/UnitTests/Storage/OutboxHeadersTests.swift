import Testing

@testable import CLMStorage

/// The Kafka headers of a relayed event: the CloudEvents structured-mode content type always,
/// the trace context when the event has one.
@Suite("Outbox relay: Kafka headers")
struct OutboxHeadersTests {
    static func row(traceparent: String?) -> Outbox.Pending {
        Outbox.Pending(
            id: 1, topic: "t.request.events", key: "r1/x", payload: Array("{}".utf8), traceparent: traceparent)
    }

    @Test("content-type application/cloudevents+json on every event; traceparent only when there is one")
    func headers() {
        let plain = OutboxRelay.headers(of: Self.row(traceparent: nil))
        #expect(plain.map(\.0) == ["content-type"])
        #expect(String(decoding: plain[0].1, as: UTF8.self) == "application/cloudevents+json; charset=UTF-8")
        let context = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
        let traced = OutboxRelay.headers(of: Self.row(traceparent: context))
        #expect(traced.map(\.0) == ["content-type", "traceparent"])
        #expect(String(decoding: traced[1].1, as: UTF8.self) == context)
    }
}
