import CLMStorage
import Testing

private actor Arrivals {
    var order: [Int] = []
    func append(_ index: Int) { order.append(index) }
}

@Suite("Bounded in-flight work")
struct InFlightLimitTests {
    @Test("permits up to the limit are given at once; the next waits for a release")
    func waitsAtTheLimit() async throws {
        let limit = InFlightLimit(2)
        #expect(await limit.acquire())
        #expect(await limit.acquire())
        #expect(limit.inUse == 2)
        let third = Task { await limit.acquire() }
        try await Task.sleep(for: .milliseconds(50))
        #expect(limit.inUse == 2)
        limit.release()
        #expect(await third.value)
        // The released permit went to the waiter, not back to the pool.
        #expect(limit.inUse == 2)
        limit.release()
        limit.release()
        #expect(limit.inUse == 0)
    }

    @Test("waiters are served in arrival order")
    func fifo() async throws {
        let limit = InFlightLimit(1)
        #expect(await limit.acquire())
        let order = Arrivals()
        var tasks: [Task<Void, Never>] = []
        for index in 0..<3 {
            tasks.append(
                Task {
                    _ = await limit.acquire()
                    await order.append(index)
                })
            try await Task.sleep(for: .milliseconds(30))
        }
        for _ in 0..<3 {
            limit.release()
            try await Task.sleep(for: .milliseconds(30))
        }
        for task in tasks { await task.value }
        #expect(await order.order == [0, 1, 2])
    }

    @Test("a cancelled waiter gets no permit and leaves none behind")
    func cancellation() async throws {
        let limit = InFlightLimit(1)
        #expect(await limit.acquire())
        let waiter = Task { await limit.acquire() }
        try await Task.sleep(for: .milliseconds(50))
        waiter.cancel()
        #expect(await waiter.value == false)
        limit.release()
        #expect(limit.inUse == 0)
    }
}

@Suite("Deadlines that do not wait for a stuck operation")
struct DeadlineTests {
    @Test("a result in time is returned")
    func inTime() async throws {
        #expect(try await withDeadline(.seconds(5)) { 42 } == 42)
    }

    @Test("an operation that ignores cancellation is left behind after the deadline")
    func stuck() async throws {
        let started = ContinuousClock.now
        await #expect(throws: DeadlineExceeded.self) {
            try await withDeadline(.milliseconds(100)) {
                // Ignores cancellation, like a query on a silently dead connection.
                while ContinuousClock.now - started < .seconds(3) { try? await Task.sleep(for: .milliseconds(20)) }
                return 1
            }
        }
        #expect(ContinuousClock.now - started < .seconds(2))
    }

    @Test("the operation's own error comes through")
    func failure() async throws {
        struct Boom: Error {}
        await #expect(throws: Boom.self) { try await withDeadline(.seconds(5)) { throw Boom() } }
    }
}
