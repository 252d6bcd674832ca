import Foundation

/// Runs one scenario: `count` submissions from `concurrency` workers, then follows the
/// requests through the API until each is final, timing submit → issued with the server's
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

    func run(_ scenario: Scenario) async throws -> Result {
        let ledger = Ledger()
        let body = try JSONSerialization.data(
            withJSONObject: ["policy": "bench", "entities": ["svc"]].merging(scenario.body(csr)) { $1 })
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<scenario.concurrency {
                group.addTask {
                    while await ledger.take(limit: scenario.count) != nil {
                        let start = Date()
                        let (status, data) = try await http.send("POST", "/v1/realms/\(realm)/requests", json: body)
                        let id = status == 202
                            ? (try? JSONSerialization.jsonObject(with: data) as? [String: Any])?["id"] as? String : nil
                        if id == nil {
                            FileHandle.standardError.write(Data("    refused (\(status)): \(String(decoding: data.prefix(200), as: UTF8.self))\n".utf8))
                        }
                        await ledger.record(id, at: start, took: Date().timeIntervalSince(start) * 1000)
                    }
                }
            }
            try await group.waitForAll()
        }
        let submitted = await ledger.submitted
        let started = await ledger.firstSubmit ?? Date()

        // Follow until every request is final: issued ones by the time intake recorded it.
        var done: [String: Date] = [:]
        var failed = 0
        let deadline = Date().addingTimeInterval(120 + Double(scenario.count))
        while done.count + failed < submitted.count && Date() < deadline {
            try await Task.sleep(for: .milliseconds(250))
            (done, failed) = try await finalStates(of: Set(submitted.keys))
        }
        let latencies = done.compactMap { id, at in submitted[id].map { at.timeIntervalSince($0) * 1000 } }.sorted()
        let last = done.values.max() ?? Date()
        let wall = max(last.timeIntervalSince(started), 0.001)
        return Result(
            scenario: scenario.name, count: scenario.count, concurrency: scenario.concurrency, limitName: scenario.limitName,
            issued: done.count, failed: failed, refused: await ledger.refused, wallSeconds: wall,
            throughput: Double(done.count) / wall, latenciesMS: latencies, submitMS: await ledger.submitDurations.sorted())
    }

    /// Issued requests with the time they were issued, and how many failed, from the list API.
    private func finalStates(of ids: Set<String>) async throws -> ([String: Date], Int) {
        var issued: [String: Date] = [:]
        var failed = 0
        for state in ["issued", "failed"] {
            let (status, data) = try await http.send("GET", "/v1/realms/\(realm)/requests?state=\(state)&limit=1000")
            guard status == 200, let items = try JSONSerialization.jsonObject(with: data) as? [[String: Any]] else { continue }
            for item in items {
                guard let id = (item["id"] as? String)?.lowercased(), ids.contains(id) else { continue }
                if state == "failed" {
                    failed += 1
                } else if let text = item["updatedAt"] as? String, let at = Self.parse(text) {
                    issued[id] = at
                }
            }
        }
        return (issued, failed)
    }

    static func parse(_ text: String) -> Date? {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter.date(from: text)
    }
}
