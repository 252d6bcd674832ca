import CLMContracts
import CLMMessaging
import Foundation
import Logging
import ServiceLifecycle
import Testing

extension HostileTextTests {
    /// Submit and revoke commands with a NUL in each text field: each answered once with
    /// `invalid-text` naming the field (as over HTTP), nothing stored, no service stuck on it.
    @Test("Kafka commands with a NUL in every text field are answered invalid-text naming the field")
    func commands() async throws {
        let environment = try TestEnvironment.require()
        try await TestStack.with(environment) { stack in
            try await stack.start()
            let workflow = try await Workflow.prepare(stack)
            let realm = workflow.realm
            let csr = try OpenSSL.hostileCSR(directory: try temporaryDirectory())
            let token = try stack.token("kim@test.example", roles: [realm: ["requester", "realm-admin"]])
            let before = try Self.stored(stack)
            var logger = Logger(label: "hostile-text")
            logger.logLevel = .warning
            let kafka = KafkaConfiguration(bootstrapServers: environment.kafkaBrokers, clientID: "hostile-text")
            let producer = try KafkaProducer(configuration: kafka, logger: logger)
            let group = ServiceGroup(services: [producer], logger: logger)
            let runner = Task { try await group.run() }
            let topic = Topic.requestCommands.name(prefix: stack.topicPrefix)

            let submit = SubmitCommand(
                token: token, policy: "web-server", entities: ["www"], csr: csr, keyGeneration: "ec:P-256",
                keyPassword: "correct horse battery", idempotencyKey: "hostile-1")
            let revoke = RevokeCommand(token: token, serialNumber: "0A", reason: .keyCompromise, comment: "stolen")
            // A field whose schema names its values (`reason`: an enum) fails the schema first:
            // `invalid-command`, answered all the same.
            var expected: [UUID: (prefix: String, code: String)] = [:]
            for (body, type) in [
                (try Self.json(submit), EventType.submitCommand), (try Self.json(revoke), .revokeCommand),
            ] {
                for field in Self.strings(in: body) {
                    let id = UUID()
                    let envelope = JSONValue.object([
                        "specversion": .string("1.0"), "id": .string(id.uuidString), "source": .string("/test/hostile"),
                        "type": .string(type.rawValue), "subject": .string("command"),
                        "time": .string("2026-01-01T00:00:00Z"), "datacontenttype": .string("application/json"),
                        "realm": .string(realm), "data": Self.poisoned(body, at: field[...], "\u{0}"),
                    ])
                    try await producer.send(topic: topic, key: id.uuidString, value: envelope.serialized)
                    let path = JSONPath(field)
                    expected[id] =
                        path.description == "reason" && type == .revokeCommand
                        ? ("the command does not match", "invalid-command")
                        : ("\(path): contains U+0000", "invalid-text")
                }
            }
            let results = try await Self.answers(to: Set(expected.keys), stack, environment, logger)
            await group.triggerGracefulShutdown()
            try await runner.value

            #expect(expected.count >= 10, "\(expected.count) commands")
            for (id, (prefix, code)) in expected {
                let answers = results[id] ?? []
                #expect(answers.count == 1, "\(prefix): \(answers.count) answers")
                #expect(
                    answers.first?.code == code,
                    "\(prefix): \(answers.first.map(String.init(describing:)) ?? "no answer")")
                #expect(answers.first?.reason?.hasPrefix(prefix) == true, "\(answers.first?.reason ?? "")")
                #expect(answers.first?.reason?.contains(token) == false)
            }
            #expect(try Self.stored(stack) == before)
            try await Self.expectHealthy(stack)
        }
    }

    /// The command results for `commands` on the request events topic, within 60 s.
    static func answers(
        to commands: Set<UUID>, _ stack: TestStack, _ environment: TestEnvironment, _ logger: Logger
    ) async throws -> [UUID: [CommandResult]] {
        let consumer = try KafkaConsumer(
            configuration: KafkaConfiguration(bootstrapServers: environment.kafkaBrokers, clientID: "hostile-text"),
            groupID: "hostile-text-\(uniqueSuffix())", topics: [Topic.requestEvents.name(prefix: stack.topicPrefix)],
            logger: logger)
        var results: [UUID: [CommandResult]] = [:]
        let deadline = ContinuousClock.now + .seconds(60)
        var settledAt: ContinuousClock.Instant?
        while ContinuousClock.now < deadline {
            guard let message = await consumer.poll(timeout: .milliseconds(200)) else {
                // Once every command is answered, wait a little longer for a second answer.
                if Set(results.keys).isSuperset(of: commands) {
                    if settledAt == nil { settledAt = .now }
                    if let settledAt, ContinuousClock.now - settledAt > .seconds(2) { break }
                }
                continue
            }
            if let event = try? CloudEvent<CommandResult>.decode(message.value),
                event.type == EventType.commandResult.rawValue, commands.contains(event.data.command)
            {
                results[event.data.command, default: []].append(event.data)
            }
        }
        await consumer.close()
        return results
    }
}
