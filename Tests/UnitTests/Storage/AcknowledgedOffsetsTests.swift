import CLMMessaging
import CLMStorage
import Testing

@Suite("Noticing a broker that lost its log")
struct AcknowledgedOffsetsTests {
    let events = TopicPartition(topic: "clm.request.events", partition: 3)
    let lifecycle = TopicPartition(topic: "clm.lifecycle", partition: 0)

    @Test("growing offsets are no loss")
    func growing() {
        var offsets = AcknowledgedOffsets()
        #expect(offsets.record([(events, 0), (events, 1), (lifecycle, 7)]) == nil)
        #expect(offsets.record([(events, 2)]) == nil)
        #expect(offsets.highest == [events: 2, lifecycle: 7])
        #expect(offsets.floor == [events: 2, lifecycle: 7])
    }

    @Test("an acknowledged offset at or below an earlier one is a loss, and the highest stays")
    func backwards() {
        var offsets = AcknowledgedOffsets(seeded: [events: 41])
        #expect(
            offsets.record([(lifecycle, 0), (events, 0), (events, 1)])
                == "clm.request.events[3] acknowledged offset 0 after 41")
        #expect(offsets.highest[events] == 41)
        #expect(offsets.record([(events, 41)]) != nil)
    }

    @Test("a log ending before the latest round's first offset, or an unknown partition, is a loss")
    func watermarks() {
        var offsets = AcknowledgedOffsets()
        _ = offsets.record([(events, 8), (events, 9), (events, 10)])
        #expect(offsets.judge(events, .next(3)) == "clm.request.events[3] ends at 3, before offset 8 it acknowledged")
        #expect(offsets.judge(events, .unknownPartition) == "clm.request.events[3] is unknown to the broker")
        // Kafka answers 11 (after the last), Tansu 8 (the batch's first): both intact.
        #expect(offsets.judge(events, .next(11)) == nil)
        #expect(offsets.judge(events, .next(8)) == nil)
        #expect(offsets.judge(events, .unavailable) == nil)
        // A partition this relay never wrote to tells nothing.
        #expect(offsets.judge(lifecycle, .unknownPartition) == nil)
    }

    @Test("offsets from before a restart catch a regression but not a watermark")
    func seeded() {
        let offsets = AcknowledgedOffsets(seeded: [events: 500])
        #expect(offsets.judge(events, .next(0)) == nil)
        #expect(offsets.judge(events, .unknownPartition) != nil)
    }

    @Test("after a replay nothing is remembered")
    func forget() {
        var offsets = AcknowledgedOffsets(seeded: [events: 10])
        offsets.forget()
        #expect(offsets.record([(events, 0)]) == nil)
    }
}
