import CLMContracts
import CLMMessaging
import Foundation
import Logging
import ServiceLifecycle
import Testing

/// A message no consumer can process goes to the dead-letter topic with its reason, and the
/// partition keeps flowing.
@Suite("Poison messages", .serialized, .timeLimit(.minutes(4)))
struct PoisonMessageTests {
    @Test("garbage on the request topic is dead-lettered by every consumer group and requests still issue")
    func poisonIsSetAside() async throws {
        let environment = try TestEnvironment.require()
        try await TestStack.with(environment) { stack in
            try await stack.start()
            let workflow = try await Workflow.prepare(stack)
            var logger = Logger(label: "poison-test")
            logger.logLevel = .warning
            let kafka = KafkaConfiguration(bootstrapServers: environment.kafkaBrokers, clientID: "poison-test")
            let producer = try KafkaProducer(configuration: kafka, logger: logger)
            let group = ServiceGroup(services: [producer], logger: logger)
            let runner = Task { try await group.run() }

            // Garbage on many keys, so it lands in front of real work on most partitions.
            let poisonCount = 12
            for index in 0..<poisonCount {
                try await producer.send(
                    topic: "\(stack.topicPrefix).request.events", key: "poison-\(index)",
                    value: Array("not an event \(index) \u{0}\u{1}".utf8))
            }
            let csr = try OpenSSL.hostileCSR(directory: try temporaryDirectory())
            var ids: [String] = []
            for _ in 0..<4 { ids.append(try await workflow.submit(csr: csr)) }
            for id in ids {
                let request = try await workflow.waitForFinalState(id)
                #expect(request.state == .issued, "\(id): \(request)")
            }
            await group.triggerGracefulShutdown()
            try await runner.value

            // intake, approval, keygen and ca-gateway each consume the request topic.
            let consumer = try KafkaConsumer(
                configuration: kafka, groupID: "dlq-\(uniqueSuffix())", topics: ["\(stack.topicPrefix).dead-letter"],
                logger: logger)
            var groups: [String: Int] = [:]
            var reasons: Set<String> = []
            let deadline = ContinuousClock.now + .seconds(60)
            var count = 0
            while count < poisonCount * 4 && ContinuousClock.now < deadline {
                guard let message = await consumer.poll(timeout: .milliseconds(500)) else { continue }
                count += 1
                let headers = Dictionary(message.headers.map { ($0.0, String(decoding: $0.1, as: UTF8.self)) }) {
                    a, _ in a
                }
                groups[headers["clm-dlq-group"] ?? "?", default: 0] += 1
                reasons.insert(String((headers["clm-dlq-reason"] ?? "").prefix(22)))
                #expect(headers["clm-dlq-topic"] == "\(stack.topicPrefix).request.events")
                #expect(String(decoding: message.value, as: UTF8.self).hasPrefix("not an event"))
            }
            await consumer.close()
            #expect(count == poisonCount * 4)
            for service in ["intake", "approval", "keygen", "ca-gateway"] {
                #expect(groups["\(stack.topicPrefix).\(service)"] == poisonCount, "\(groups)")
            }
            #expect(reasons == ["not a CLM CloudEvent: "], "\(reasons)")
            let metrics = try await stack["approval"].client.send("GET", "/metrics")
            #expect(metrics.text.contains("clm_events_rejected_total"), "\(metrics.text.prefix(500))")
        }
    }
}
