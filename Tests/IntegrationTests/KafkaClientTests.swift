import CLMMessaging
import Foundation
import Logging
import ServiceLifecycle
import Testing

/// The librdkafka wrapper against the real broker.
@Suite("Kafka client", .serialized, .timeLimit(.minutes(3)))
struct KafkaClientTests {
    let logger = Logger(label: "kafka-test")

    func configuration(_ environment: TestEnvironment) -> KafkaConfiguration {
        KafkaConfiguration(bootstrapServers: environment.kafkaBrokers, clientID: "clm-test")
    }

    /// Runs a producer's delivery loop for the duration of `body`.
    func withProducer<T: Sendable>(
        _ environment: TestEnvironment, _ body: @Sendable (KafkaProducer) async throws -> T
    ) async throws -> T {
        let producer = try KafkaProducer(configuration: configuration(environment), logger: logger)
        let group = ServiceGroup(services: [producer], logger: logger)
        let runner = Task { try await group.run() }
        do {
            let result = try await body(producer)
            await group.triggerGracefulShutdown()
            try await runner.value
            return result
        } catch {
            await group.triggerGracefulShutdown()
            _ = try? await runner.value
            throw error
        }
    }

    @Test("idempotent producer and group consumer: per-key order, commit only what was processed")
    func produceConsumeCommitResume() async throws {
        let environment = try TestEnvironment.require()
        let topic = "t\(uniqueSuffix()).roundtrip"
        let config = configuration(environment)
        try await withProducer(environment) { producer in
            try await producer.createTopics([TopicSpecification(name: topic, partitions: 3)])
            // Creating again is not an error.
            try await producer.createTopics([TopicSpecification(name: topic, partitions: 3)])
            var futures: [DeliveryFuture] = []
            for index in 0..<60 {
                futures.append(
                    try producer.produce(
                        topic: topic, key: "key-\(index % 4)", value: Array("\(index)".utf8),
                        headers: [("index", Array("\(index)".utf8))]))
            }
            for future in futures {
                let report = try await future.value
                #expect(report.offset >= 0)
            }
        }

        let groupID = "g\(uniqueSuffix())"
        // First member: take 25 messages, mark them processed, close.
        let first = try KafkaConsumer(configuration: config, groupID: groupID, topics: [topic], logger: logger)
        var seen: [String: [Int]] = [:]
        var count = 0
        for await message in first.messages {
            let value = Int(String(decoding: message.value, as: UTF8.self))!
            seen[message.keyString ?? "", default: []].append(value)
            #expect(message.headers.first?.0 == "index")
            first.markProcessed(message)
            count += 1
            if count == 25 { break }
        }
        try await first.commit()
        await first.close()

        // Second member of the same group resumes after the committed offsets.
        let second = try KafkaConsumer(configuration: config, groupID: groupID, topics: [topic], logger: logger)
        for await message in second.messages {
            let value = Int(String(decoding: message.value, as: UTF8.self))!
            seen[message.keyString ?? "", default: []].append(value)
            second.markProcessed(message)
            count += 1
            if count == 60 { break }
        }
        await second.close()

        let all = seen.values.flatMap { $0 }
        #expect(all.count == 60, "duplicates or losses: \(all.sorted())")
        #expect(Set(all).count == 60)
        for (key, values) in seen {
            #expect(values == values.sorted(), "key \(key) out of order: \(values)")
        }
    }

    @Test("an unreachable broker is reported, not waited on forever")
    func unreachableBroker() async throws {
        _ = try TestEnvironment.require()
        // librdkafka logs every refused reconnect; keep the test output readable.
        var quiet = logger
        quiet.logLevel = .critical
        let producer = try KafkaProducer(
            configuration: KafkaConfiguration(bootstrapServers: "127.0.0.1:1", clientID: "clm-test"), logger: quiet)
        #expect(await producer.ping(timeout: .seconds(1)) == false)
        await #expect(throws: KafkaError.self) {
            try await producer.createTopics([TopicSpecification(name: "never", partitions: 1)], timeout: .seconds(2))
        }
        let group = ServiceGroup(services: [producer], logger: quiet)
        let runner = Task { try await group.run() }
        await group.triggerGracefulShutdown()
        try await runner.value
    }

    @Test("the runtime librdkafka is the project's, at least 2.2.0")
    func runtimeVersion() throws {
        _ = try TestEnvironment.require()
        #expect(LibrdkafkaVersion.runtime >= LibrdkafkaVersion.minimumSupported)
    }
}
