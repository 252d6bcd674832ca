import CLMServiceKit
import Testing

@Suite("Database availability verdict")
struct AvailabilityVerdictTests {
    @Test("one or two missed probes are load: unavailable only after three in a row")
    func threshold() {
        var verdict = AvailabilityVerdict(threshold: 3)
        #expect(verdict.record(success: false) == false && verdict.isAvailable)
        #expect(verdict.record(success: false) == false && verdict.isAvailable)
        #expect(verdict.record(success: true) == false && verdict.failuresInARow == 0)
        #expect(!verdict.record(success: false) && !verdict.record(success: false))
        #expect(verdict.record(success: false) == true && !verdict.isAvailable)
        #expect(verdict.record(success: false) == false && !verdict.isAvailable, "no second change while down")
    }

    @Test("a definite refusal counts at once, whatever came before")
    func definite() {
        var verdict = AvailabilityVerdict(threshold: 3)
        #expect(verdict.record(success: false, definite: true) && !verdict.isAvailable)
        #expect(verdict.record(success: true) && verdict.isAvailable)
        #expect(!verdict.record(success: false) && verdict.isAvailable, "a missed deadline alone does not")
        #expect(verdict.record(success: false, definite: true) && !verdict.isAvailable)
    }

    @Test("the first successful probe makes it available again; a threshold below one means one")
    func recovery() {
        var verdict = AvailabilityVerdict(threshold: 0)
        #expect(verdict.threshold == 1)
        #expect(verdict.record(success: false) && !verdict.isAvailable)
        #expect(verdict.record(success: true) && verdict.isAvailable && verdict.failuresInARow == 0)
    }
}
