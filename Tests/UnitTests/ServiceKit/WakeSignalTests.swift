import Testing

@testable import CLMStorage

/// The relay's wake-up signal: a signal wakes one wait early; nothing else does.
@Suite("WakeSignal")
struct WakeSignalTests {
    @Test("after a wait ended by a signal, the next wait lasts its full timeout (no stale signal, no spinning)")
    func noStaleSignal() async {
        let signal = WakeSignal()
        let waiter = Task { await signal.wait(timeout: .seconds(10)) }
        try? await Task.sleep(for: .milliseconds(50))
        signal.signal()
        await waiter.value  // woken by the signal, long before 10 s; its timer is cancelled

        // Sleeping never ends early, so these waits can only return quickly if something
        // signalled them: count how many would fit into 600 ms.
        let clock = ContinuousClock()
        let start = clock.now
        var wakes = 0
        while clock.now - start < .milliseconds(600) {
            await signal.wait(timeout: .milliseconds(200))
            wakes += 1
        }
        #expect(wakes <= 4, "\(wakes) wake-ups in 600 ms with 200 ms timeouts: a stale signal is spinning the loop")
    }

    @Test("a signal sent before the wait is not lost")
    func signalBeforeWait() async {
        let signal = WakeSignal()
        signal.signal()
        let clock = ContinuousClock()
        let start = clock.now
        await signal.wait(timeout: .seconds(30))
        #expect(clock.now - start < .seconds(30))
    }
}
