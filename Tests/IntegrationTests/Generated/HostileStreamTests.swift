import CLMClient
import CLMContracts
import Foundation
import Testing

/// Issue 16, part 2: a seeded stream of generated attacks (mutations of valid requests to every
/// endpoint) through the nginx edge against the real stack and console. Not one answer may be
/// a 5xx, not one connection may break, every service must be live and ready afterwards, and
/// nothing may be stored for an input that was refused.
///
/// `CLM_HOSTILE_SEED` replays a run (the seed is printed first); `CLM_HOSTILE_INPUTS` sets the
/// number of inputs (default 10,500).
@Suite("Generated hostile input", .serialized, .timeLimit(.minutes(20)))
struct HostileStreamTests {
    /// What one input got, kept for the figures and the failure list.
    struct Result: Sendable {
        var input: HostileInput
        var outcome: HostileSender.Outcome
    }

    @Test("ten thousand generated hostile requests through the edge: no 5xx, no dropped connection, nothing stored")
    func generatedStream() async throws {
        let environment = try TestEnvironment.require()
        let seed = environment.values["CLM_HOSTILE_SEED"].flatMap { UInt64($0) } ?? UInt64.random(in: 1...(1 << 53))
        let total = environment.values["CLM_HOSTILE_INPUTS"].flatMap { Int($0) } ?? 10_500
        print(
            "hostile stream: seed \(seed), \(total) inputs (replay: CLM_HOSTILE_SEED=\(seed) make test FILTER=HostileStream)"
        )
        try await Self.withEdgedStack(environment) { stack, console, edge in
            let fixture = try await Self.fixture(stack, edge: edge)
            let targets = try HostileTargets.all(fixture)
            // Each target with a body three times in the cycle: that is where most parsers are.
            let cycle = targets.flatMap { $0.body != nil || $0.raw != nil ? [$0, $0, $0] : [$0] }
            let before = try Self.counts(stack)
            let existing = Set(try stack.database.query("SELECT id::text FROM intake.requests"))

            var random = SeededRandom(seed: seed)
            let inputs = (0..<total).map { index in
                HostileGenerator.input(cycle[index % cycle.count], using: &random)
            }
            let started = ContinuousClock.now
            let results = await Self.send(inputs, to: HostileSender(baseURL: edge.baseURL))
            let elapsed = ContinuousClock.now - started
            print(Self.figures(results, targets: targets.count, seed: seed, elapsed: elapsed))

            let failures = results.filter {
                if case .answer(let status, _, _) = $0.outcome { return status >= 500 }
                return true
            }
            #expect(
                failures.count == 0,
                "seed \(seed): \(failures.count) of \(results.count) inputs got a 5xx or a broken connection:\n\(failures.prefix(40).map(Self.describe).joined(separator: "\n"))"
            )
            let dropped = Self.droppedUpstreams(edge)
            #expect(
                dropped.count == 0,
                "seed \(seed): the edge saw upstream connections break:\n\(dropped.joined(separator: "\n"))")

            try await Self.expectNothingStored(stack, results: results, before: before, existing: existing, seed: seed)
            try await Self.expectReady(stack, console: console, edge: edge)
        }
    }

    /// Sends every input, at most `width` at a time, in the generated order.
    static func send(_ inputs: [HostileInput], to sender: HostileSender, width: Int = 8) async -> [Result] {
        await withTaskGroup(of: (Int, HostileSender.Outcome).self) { group in
            var outcomes = [HostileSender.Outcome?](repeating: nil, count: inputs.count)
            var next = 0
            func submit() {
                let index = next
                next += 1
                group.addTask { (index, await sender.send(inputs[index])) }
            }
            while next < min(width, inputs.count) { submit() }
            while let (index, outcome) = await group.next() {
                outcomes[index] = outcome
                if next < inputs.count { submit() }
            }
            return zip(inputs, outcomes).map { Result(input: $0, outcome: $1 ?? .dropped("never sent")) }
        }
    }

    /// Refused inputs stored nothing: every request in intake is the fixture's or one whose
    /// id an accepted answer gave, and no table grew by more than the writes that were accepted.
    static func expectNothingStored(
        _ stack: TestStack, results: [Result], before: [String: Int], existing: Set<String>, seed: UInt64
    ) async throws {
        var acceptedIDs = existing
        var acceptedWrites = 0
        for result in results {
            guard case .answer(let status, _, let body) = result.outcome, (200..<300).contains(status) else { continue }
            if !["GET", "HEAD", "OPTIONS"].contains(result.input.method) { acceptedWrites += 1 }
            if let object = try? JSONValue.parse(Array(body), maximumDepth: 64).objectValue,
                case .string(let id)? = object["id"]
            {
                acceptedIDs.insert(id.lowercased())
            }
        }
        let stored = Set(try stack.database.query("SELECT id::text FROM intake.requests"))
        let unexplained = stored.filter { !acceptedIDs.contains($0.lowercased()) }
        #expect(
            unexplained.count == 0,
            "seed \(seed): requests stored that no accepted answer named: \(unexplained.sorted())")
        let after = try counts(stack)
        for table in dataTables {
            let grown = (after[table] ?? 0) - (before[table] ?? 0)
            #expect(
                grown <= acceptedWrites, "seed \(seed): \(table) grew by \(grown), \(acceptedWrites) writes accepted")
        }
    }

    /// Lines of the edge's error log that mean an upstream connection broke mid-request.
    static func droppedUpstreams(_ edge: EdgeProxy) -> [String] {
        let log = (try? String(contentsOf: edge.errorLog, encoding: .utf8)) ?? ""
        let signs = [
            "prematurely closed", "Connection reset", "no live upstreams", "upstream timed out", "recv() failed",
        ]
        return log.split(separator: "\n").filter { line in signs.contains { line.contains($0) } }.prefix(20).map(
            String.init)
    }

    static func describe(_ result: Result) -> String {
        let input = result.input
        let what: String
        switch result.outcome {
        case .answer(let status, _, let body):
            what = "HTTP \(status) \(String(decoding: body.prefix(160), as: UTF8.self))"
        case .dropped(let error): what = "dropped: \(error.prefix(200))"
        }
        let body = input.body.map { String(decoding: $0.prefix(120), as: UTF8.self) } ?? ""
        return
            "[\(input.target) / \(input.family)] \(input.method) \(input.path.prefix(160)) \(body.debugDescription) → \(what)"
    }

    /// Inputs sent, answers by status and by mutation family, duration.
    static func figures(_ results: [Result], targets: Int, seed: UInt64, elapsed: Duration) -> String {
        var statuses: [String: Int] = [:]
        var families: [String: Int] = [:]
        for result in results {
            families[result.input.family, default: 0] += 1
            switch result.outcome {
            case .answer(let status, _, _): statuses["\(status)", default: 0] += 1
            case .dropped: statuses["dropped", default: 0] += 1
            }
        }
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        let rate = seconds > 0 ? Int(Double(results.count) / seconds) : 0
        let byStatus = statuses.sorted { $0.key < $1.key }.map { "\($0.key): \($0.value)" }.joined(separator: ", ")
        let byFamily = families.sorted { $0.value > $1.value }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")
        return """
            hostile stream: seed \(seed), \(results.count) inputs to \(targets) endpoints in \(Int(seconds)) s (\(rate)/s)
              answers by status: \(byStatus)
              inputs by family: \(byFamily)
            """
    }
}
