import CLMContracts
import CLMMessaging
import Foundation
import Logging
import ServiceLifecycle
import Testing

/// Requests submitted over the Kafka command topic: the caller's token and realm are checked
/// exactly as over HTTP, every command gets one answer, and a token never lands on another topic.
@Suite("Kafka commands", .serialized, .timeLimit(.minutes(5)))
struct KafkaCommandTests {
    @Test(
        "commands carry the caller's token: accepted, refused per role and realm, idempotent, never dead-lettered with the token"
    )
    func commands() async throws {
        let environment = try TestEnvironment.require()
        try await TestStack.with(environment) { stack in
            try await stack.start()
            let workflow = try await Workflow.prepare(stack)
            let realm = workflow.realm
            let csr = try OpenSSL.hostileCSR(directory: try temporaryDirectory())
            // Intake must know the realm and policy before commands arrive (commands do not wait
            // for the read model): a submission that gets as far as the policy check (and is
            // refused there, so nothing is stored) proves it.
            let warmUp = try await workflow.post(
                SubmitRequestBody(policy: "web-server", entities: ["www"], csr: csr, validityDays: -1))
            #expect(warmUp.problem?.code == "policy-mismatch", "\(warmUp.text)")
            var logger = Logger(label: "command-test")
            logger.logLevel = .warning
            let kafka = KafkaConfiguration(bootstrapServers: environment.kafkaBrokers, clientID: "command-test")
            let producer = try KafkaProducer(configuration: kafka, logger: logger)
            let group = ServiceGroup(services: [producer], logger: logger)
            let runner = Task { try await group.run() }
            let commandTopic = Topic.requestCommands.name(prefix: stack.topicPrefix)

            let requester = try stack.token("kim@test.example", roles: [realm: ["requester"]])
            let auditor = try stack.token("aud@test.example", roles: [realm: ["auditor"]])
            let outsider = try stack.token("olga@test.example", roles: ["elsewhere": ["requester"]])
            func send(_ command: SubmitCommand, id: UUID = UUID(), to target: String? = nil) async throws -> UUID {
                let event = CloudEvent(
                    id: id, source: "/test/ci", type: .submitCommand, subject: "submit", realm: target ?? realm,
                    data: command)
                try await producer.send(topic: commandTopic, key: id.uuidString, value: try event.encoded())
                return id
            }
            let accepted = try await send(
                SubmitCommand(
                    token: requester, policy: "web-server", entities: ["www"], csr: csr, idempotencyKey: "ci-1"))
            // The same command delivered twice is applied once; a new command with the same
            // idempotency key answers with the original request.
            _ = try await send(
                SubmitCommand(
                    token: requester, policy: "web-server", entities: ["www"], csr: csr, idempotencyKey: "ci-1"),
                id: accepted)
            let retried = try await send(
                SubmitCommand(
                    token: requester, policy: "web-server", entities: ["www"], csr: csr, idempotencyKey: "ci-1"))
            let garbage = try await send(
                SubmitCommand(token: "not-a-jwt", policy: "web-server", entities: ["www"], csr: csr))
            let foreign = try await send(
                SubmitCommand(token: outsider, policy: "web-server", entities: ["www"], csr: csr))
            let noRole = try await send(
                SubmitCommand(token: auditor, policy: "web-server", entities: ["www"], csr: csr))
            let mismatch = try await send(
                SubmitCommand(
                    token: requester, policy: "web-server", entities: ["www"], keyGeneration: "rsa:4096",
                    keyPassword: "correct horse battery"))
            let unknownRealm = try await send(
                SubmitCommand(token: requester, policy: "web-server", entities: ["www"], csr: csr), to: "no-such-realm")
            // Invalid against its schema: answered like every command, and set aside on the
            // dead-letter topic, but without its token.
            let secret = "leaky-\(uniqueSuffix())"
            let poisonID = UUID()
            let poison = Array(
                #"{"specversion":"1.0","id":"\#(poisonID.uuidString)","source":"/test","type":"clm.request.submit.v1","subject":"x","time":"2026-01-01T00:00:00Z","datacontenttype":"application/json","realm":"\#(realm)","data":{"token":"\#(secret)","policy":"web-server","entities":"www"}}"#
                    .utf8)
            try await producer.send(topic: commandTopic, key: "poison", value: poison)

            // Collect the answers (and the dead-letter copy).
            let consumer = try KafkaConsumer(
                configuration: kafka, groupID: "answers-\(uniqueSuffix())",
                topics: [
                    Topic.requestEvents.name(prefix: stack.topicPrefix),
                    Topic.deadLetter.name(prefix: stack.topicPrefix),
                ],
                logger: logger)
            var results: [UUID: [CommandResult]] = [:]
            var deadLetters: [[UInt8]] = []
            let expected: Set<UUID> = [accepted, retried, garbage, foreign, noRole, mismatch, unknownRealm, poisonID]
            let deadline = ContinuousClock.now + .seconds(60)
            while ContinuousClock.now < deadline {
                guard let message = await consumer.poll(timeout: .milliseconds(200)) else {
                    if Set(results.keys).isSuperset(of: expected) && !deadLetters.isEmpty { break }
                    continue
                }
                if message.topic.hasSuffix("dead-letter") {
                    deadLetters.append(message.value)
                } else if let event = try? CloudEvent<CommandResult>.decode(message.value),
                    event.type == EventType.commandResult.rawValue
                {
                    results[event.data.command, default: []].append(event.data)
                }
            }
            await consumer.close()
            await group.triggerGracefulShutdown()
            try await runner.value

            #expect(
                Set(results.keys).isSuperset(of: expected),
                "answers for \(results.keys.count) of \(expected.count) commands")
            #expect(results[accepted]?.count == 1, "a redelivered command is answered once: \(results[accepted] ?? [])")
            let first = try #require(results[accepted]?.first)
            #expect(first.accepted && first.request != nil, "\(first)")
            #expect(results[retried]?.first?.request == first.request, "idempotent retry: \(results[retried] ?? [])")
            #expect(results[garbage]?.first?.code == "unauthenticated")
            #expect(results[foreign]?.first?.code == "not-found")
            #expect(results[foreign]?.first?.reason == "realm '\(realm)' not found")
            #expect(results[noRole]?.first?.code == "forbidden")
            #expect(results[mismatch]?.first?.code == "policy-mismatch")
            #expect(results[mismatch]?.first?.violations?.isEmpty == false)
            #expect(results[unknownRealm]?.first?.code == "not-found")
            #expect(
                results[poisonID]?.count == 1,
                "a command that fails its schema is answered once: \(results[poisonID] ?? [])")
            #expect(results[poisonID]?.first?.code == "invalid-command")
            #expect(results[poisonID]?.first?.reason?.contains(secret) == false)
            for answer in results.values.flatMap({ $0 }) where !answer.accepted {
                #expect(answer.request == nil)
            }

            // The accepted command became a request of the token's subject, and issues.
            let id = try #require(first.request).uuidString
            let request = try await workflow.waitForFinalState(id)
            #expect(request.state == .issued, "\(request)")
            #expect(request.requester == "kim@test.example")
            #expect(try stack.database.scalar("SELECT count(*) FROM intake.requests WHERE realm = '\(realm)'") == "1")

            // The dead-letter copy keeps the evidence but not the credential; no log has a token.
            let copies = deadLetters.map { String(decoding: $0, as: UTF8.self) }.filter {
                $0.contains("clm.request.submit.v1")
            }
            #expect(!copies.isEmpty, "the invalid command was not dead-lettered")
            #expect(copies.allSatisfy { !$0.contains(secret) && $0.contains("[redacted]") }, "\(copies)")
            for name in TestStack.names {
                let log = stack[name].log
                #expect(
                    !log.contains(secret) && !log.contains(requester) && !log.contains(outsider),
                    "\(name) logged a token")
            }
        }
    }
}
