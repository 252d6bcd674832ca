import CLMContracts
import Foundation

/// Runs one scenario: `count` requests from `concurrency` workers, each waiting for its
/// request to be final before submitting the next, timing submit → issued with the server's
/// own record of when the request became issued.
struct Driver: Sendable {
    let http: HTTP
    let realm: String
    let csr: String

    struct Result: Sendable {
        var scenario: String
        var count: Int
        var concurrency: Int
        var limitName: String
        var issued: Int
        var failed: Int
        var refused: Int
        var wallSeconds: Double
        var throughput: Double
        var latenciesMS: [Double]
        var submitMS: [Double]
    }

    /// Submission times by request id, shared by the workers.
    actor Ledger {
        var next = 0
        var submitted: [String: Date] = [:]
        var submitDurations: [Double] = []
        var refused = 0
        var firstSubmit: Date?

        func take(limit: Int) -> Int? {
            guard next < limit else { return nil }
            next += 1
            return next
        }

        func record(_ id: String?, at: Date, took: Double) {
            firstSubmit = min(firstSubmit ?? at, at)
            submitDurations.append(took)
            if let id { submitted[id.lowercased()] = at } else { refused += 1 }
        }
    }

    /// Hands each worker the moment its request became final. One poller reads intake's list of
    /// recently issued requests for everybody, instead of each worker polling its own request.
    actor Follower {
        private var waiting: [String: CheckedContinuation<Void, Never>] = [:]
        private(set) var issued: [String: Date] = [:]
        private(set) var failed: Set<String> = []

        var pending: Set<String> { Set(waiting.keys) }

        func wait(for id: String) async {
            guard issued[id] == nil, !failed.contains(id) else { return }
            await withCheckedContinuation { waiting[id] = $0 }
        }

        func settle(issued newlyIssued: [String: Date], failed newlyFailed: Set<String>) {
            for (id, at) in newlyIssued where issued[id] == nil { issued[id] = at }
            failed.formUnion(newlyFailed)
            for id in Set(waiting.keys) where issued[id] != nil || failed.contains(id) {
                waiting.removeValue(forKey: id)?.resume()
            }
        }

        /// Lets every worker go (the run's deadline passed).
        func release() {
            for continuation in waiting.values { continuation.resume() }
            waiting.removeAll()
        }
    }

    /// Closed loop: each of `concurrency` workers submits, waits until its request is final,
    /// and only then submits the next — so latency is measured at that many requests in flight,
    /// not after a backlog of all `count` submissions.
    func run(_ scenario: Scenario) async throws -> Result {
        let ledger = Ledger()
        let follower = Follower()
        let body = try ContractCoding.encoder().encode(scenario.body(csr))
        let deadline = Date().addingTimeInterval(120 + Double(scenario.count))
        let poller = poll(for: follower, until: deadline, concurrency: scenario.concurrency)
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<scenario.concurrency {
                group.addTask {
                    while await ledger.take(limit: scenario.count) != nil {
                        let start = Date()
                        let (status, data) = try await http.send("POST", "/v1/realms/\(realm)/requests", json: body)
                        let id =
                            status == 202
                            ? (try? ContractCoding.decoder().decode(RequestView.self, from: data))?.id.lowercasedString
                            : nil
                        if id == nil {
                            FileHandle.standardError.write(
                                Data(
                                    "    refused (\(status)): \(String(decoding: data.prefix(200), as: UTF8.self))\n"
                                        .utf8))
                        }
                        await ledger.record(id, at: start, took: Date().timeIntervalSince(start) * 1000)
                        if let id { await follower.wait(for: id) }
                    }
                }
            }
            try await group.waitForAll()
        }
        poller.cancel()
        let submitted = await ledger.submitted
        let started = await ledger.firstSubmit ?? Date()
        let done = await follower.issued.filter { submitted[$0.key] != nil }
        let failed = await follower.failed.count
        let latencies = done.compactMap { id, at in submitted[id].map { at.timeIntervalSince($0) * 1000 } }.sorted()
        let last = done.values.max() ?? Date()
        let wall = max(last.timeIntervalSince(started), 0.001)
        return Result(
            scenario: scenario.name, count: scenario.count, concurrency: scenario.concurrency,
            limitName: scenario.limitName,
            issued: done.count, failed: failed, refused: await ledger.refused, wallSeconds: wall,
            throughput: Double(done.count) / wall, latenciesMS: latencies,
            submitMS: await ledger.submitDurations.sorted())
    }

    /// Follows the requests the workers wait for, releasing each once intake shows it final.
    private func poll(for follower: Follower, until deadline: Date, concurrency: Int) -> Task<Void, Never> {
        Task {
            var round = 0
            while !Task.isCancelled {
                try? await Task.sleep(for: .milliseconds(100))
                round += 1
                let pending = await follower.pending
                if Date() > deadline {
                    await follower.release()
                    continue
                }
                guard !pending.isEmpty else { continue }
                // Failures are rare, and a slow request may fall out of the short list of the
                // newest: once a second, look further.
                let states = round % 10 == 0 ? ["issued", "failed"] : ["issued"]
                if let (issued, failed) = try? await finalStates(
                    of: pending, states: states, recent: round % 10 == 0 ? 1000 : max(2 * concurrency, 20))
                {
                    await follower.settle(issued: issued, failed: failed)
                }
            }
        }
    }

    /// Recently issued requests among `ids` with the time intake recorded it, and failed ones.
    /// With at most `concurrency` requests in flight, the `recent` newest cover them (a smaller
    /// list keeps the benchmark's own load on intake small).
    private func finalStates(of ids: Set<String>, states: [String], recent: Int) async throws
        -> ([String: Date], Set<String>)
    {
        var issued: [String: Date] = [:]
        var failed: Set<String> = []
        for state in states {
            let (status, data) = try await http.send(
                "GET", "/v1/realms/\(realm)/requests?state=\(state)&limit=\(state == "issued" ? recent : 1000)")
            guard status == 200 else { continue }
            for item in try ContractCoding.decoder().decode([RequestView].self, from: data) {
                let id = item.id.lowercasedString
                guard ids.contains(id) else { continue }
                if state == "failed" {
                    failed.insert(id)
                } else {
                    issued[id] = item.updatedAt
                }
            }
        }
        return (issued, failed)
    }
}
