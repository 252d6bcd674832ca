import CLMClient
import CLMContracts
import Foundation
import Testing

/// CLM's events as another language reads them: the CloudEvents Python SDK, consuming with
/// confluent-kafka from the real broker (Tests/Interop/read_cloudevents.py), must take every
/// event of one issuance and one revocation as a CloudEvent in structured mode (decision 0024).
@Suite("CloudEvents Kafka binding", .serialized, .timeLimit(.minutes(5)))
struct CloudEventsBindingTests {
    @Test("the CloudEvents Python SDK reads every event of an issuance and a revocation from the broker")
    func pythonSDKReadsOurEvents() async throws {
        let environment = try TestEnvironment.require()
        let python = environment.repoRoot.appendingPathComponent(".local/interop/bin/python").path
        guard FileManager.default.isExecutableFile(atPath: python) else {
            throw TestSetupError("\(python) is missing: run scripts/setup.sh (make test does)")
        }
        try await TestStack.with(environment) { stack in
            try await stack.start()
            let workflow = try await Workflow.prepare(stack)
            let csr = try OpenSSL.hostileCSR(directory: try temporaryDirectory())
            let issued = try await workflow.waitForFinalState(try await workflow.submit(csr: csr))
            let serial = try #require(issued.serialNumber)
            try await workflow.expect(
                201, "POST", "/v1/realms/\(workflow.realm)/certificates/\(serial)/revoke",
                on: workflow.client("ca-gateway"), RevokeBody(reason: .superseded))
            // What the outboxes published (and so the broker holds) by now.
            let deadline = ContinuousClock.now + .seconds(30)
            var published = 0
            repeat {
                published = try stack.published()
                if try stack.unpublished() == 0 { break }
                try await Task.sleep(for: .milliseconds(200))
            } while ContinuousClock.now < deadline
            let topics = [Topic.registry, .requestEvents, .lifecycle].map { $0.name(prefix: stack.topicPrefix) }
            let result = try run(
                python,
                [
                    environment.repoRoot.appendingPathComponent("Tests/Interop/read_cloudevents.py").path,
                    environment.kafkaBrokers, "\(published)",
                ] + topics,
                environment: ["PATH": "/usr/bin:/bin", "PYTHONDONTWRITEBYTECODE": "1"], timeout: .seconds(120))
            let line = result.stdout.split(separator: "\n").last.map(String.init) ?? ""
            let summary = try #require(
                try? JSONValue.parse(Array(line.utf8), maximumDepth: 8).objectValue,
                "the reader exited \(result.status) without a summary: \(result.stderr.suffix(2000))")
            let problems = summary["problems"]?.arrayValue?.compactMap(\.stringValue) ?? ["no problems member"]
            let types = Set(summary["types"]?.objectValue?.keys.map { $0 } ?? [])
            print("CloudEvents SDK: \(line)")
            #expect(result.status == 0, "\(result.stderr.suffix(2000))")
            #expect(summary["messages"]?.numberValue == Double(published), "published \(published): \(line)")
            #expect(summary["events"]?.numberValue == Double(published), "not all read as CloudEvents: \(line)")
            #expect(problems.count == 0, "\(problems.prefix(20).joined(separator: "\n"))")
            for type in [
                EventType.realmSnapshot, .policySnapshot, .requestSubmitted, .certificateIssued, .certificateRevoked,
            ] {
                #expect(types.contains(type.rawValue), "no \(type.rawValue) among \(types.sorted())")
            }
        }
    }
}

extension TestStack {
    /// Events the five outboxes hold as published / not yet published.
    func published() throws -> Int { try outboxCount("published_at IS NOT NULL") }
    func unpublished() throws -> Int { try outboxCount("published_at IS NULL") }

    private func outboxCount(_ condition: String) throws -> Int {
        let schemas = ["registry", "intake", "approval", "keygen", "ca_gateway"]
        let sql = schemas.map { "SELECT count(*) AS n FROM \($0).outbox WHERE \(condition)" }.joined(
            separator: " UNION ALL ")
        return Int(try database.scalar("SELECT sum(n) FROM (\(sql)) AS counts")) ?? -1
    }
}
