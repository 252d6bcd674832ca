import CLMClient
import CLMContracts
import CLMMessaging
import Foundation
import Logging
import Testing

/// Expiry warnings over the real stack (issue 11, item 7): a certificate that is already inside
/// its policy's first warning threshold is announced once on the lifecycle topic and mailed once
/// to the requester and the end entity, and not again after every service restarted.
@Suite("Expiry warnings", .serialized, .timeLimit(.minutes(6)))
struct ExpiryWarningTests {
    /// Valid for a day, warned of a day and an hour ahead: the one-day warning is due at
    /// issuance (the certificate's notBefore lies a minute back), the one-hour one only in
    /// 23 hours.
    static let policy = Workflow.policy(id: "short-lived") {
        $0.validity = .init(defaultDays: 1, maxDays: 1)
        $0.expiryWarnings = ["1d", "1h"]
    }
    static let owner = EndEntity(
        id: "owner", kind: .person, attributes: .init(commonName: "Owner Example", email: "owner@test.example"))

    @Test("one warning per threshold, mailed once to requester and entity; none again after a restart of every service")
    func oncePerThreshold() async throws {
        let environment = try TestEnvironment.require()
        let smtp = try await SMTPTestServer.start()
        defer { smtp.stop() }
        try await TestStack.with(environment) { stack in
            stack["approval"].setEnvironment("CLM_SMTP_PORT", "\(smtp.port)")
            stack["ca-gateway"].setEnvironment("CLM_EXPIRY_SWEEP_SECONDS", "1")
            try await stack.start()
            let workflow = try await Workflow.prepare(stack)
            let realm = workflow.realm
            try await workflow.expect(201, "POST", "/v1/realms/\(realm)/policies", on: workflow.registry, Self.policy)
            try await workflow.expect(
                201, "POST", "/v1/realms/\(realm)/end-entities", on: workflow.registry, Self.owner)
            let csr = try OpenSSL.hostileCSR(directory: try temporaryDirectory())
            let submitted = try await workflow.submit(
                SubmitRequestBody(policy: "short-lived", entities: ["owner"], csr: csr))
            let id = submitted.id.uuidString
            let final = try await workflow.waitForFinalState(id)
            #expect(final.state == .issued, "\(final)")
            let serial = try await Self.serial(of: submitted.id, workflow: workflow)

            let recipients = [Workflow.subject, "owner@test.example"]
            for recipient in recipients {
                let mail = try await smtp.waitForMessage(to: recipient, timeout: .seconds(60))
                #expect(mail.subject.contains("expires within 1d"), "\(mail.subject)")
                #expect(mail.body.contains(serial) && mail.body.contains("CA:            default"), "\(mail.body)")
                #expect(mail.body.contains("/v1/realms/\(realm)/certificates/\(serial)/renew"), "\(mail.body)")
            }
            let db = stack.database
            let notices = "SELECT threshold_seconds FROM ca_gateway.expiry_notices WHERE serial_number = '\(serial)'"
            #expect(try db.query(notices) == ["86400"])

            // Every service down, every service up again; the sweep runs each second meanwhile.
            await stack.stop()
            try await stack.start()
            try await Task.sleep(for: .seconds(8))

            for recipient in recipients {
                let mails = smtp.messages().filter { $0.to.contains { $0.lowercased() == recipient } }
                #expect(mails.count == 1, "\(recipient): \(mails.map(\.subject))")
            }
            #expect(smtp.messages().count == 2, "\(smtp.messages().map { ($0.to, $0.subject) })")
            #expect(try db.query(notices) == ["86400"])
            #expect(
                try db.scalar(
                    "SELECT count(*) FROM approval.notice_mails WHERE serial_number = '\(serial)' AND state = 'sent'")
                    == "2")
            let events = try await Self.expiringEvents(stack: stack, serial: serial)
            #expect(events.map(\.thresholdSeconds) == [86_400], "\(events)")
            #expect(events.first?.request == submitted.id && events.first?.emails == ["owner@test.example"])
        }
    }

    /// The serial of the request's certificate, from the inventory.
    static func serial(of request: UUID, workflow: Workflow) async throws -> String {
        let deadline = ContinuousClock.now + .seconds(30)
        while ContinuousClock.now < deadline {
            let page = try await workflow.client("ca-gateway").send(
                "GET", "/v1/realms/\(workflow.realm)/certificates")
            if let found = try page.decode(CertificatePage.self).certificates.first(where: { $0.request == request }) {
                return found.serialNumber
            }
            try await Task.sleep(for: .milliseconds(200))
        }
        throw TestSetupError("certificate of \(request) not in the inventory")
    }

    /// Every `clm.certificate.expiring.v1` about `serial` on the lifecycle topic, from its start.
    static func expiringEvents(stack: TestStack, serial: String) async throws -> [CertificateExpiring] {
        var logger = Logger(label: "expiry-test")
        logger.logLevel = .warning
        let consumer = try KafkaConsumer(
            configuration: KafkaConfiguration(
                bootstrapServers: stack.environment.kafkaBrokers, clientID: "expiry-test"),
            groupID: "expiry-\(uniqueSuffix())", topics: [Topic.lifecycle.name(prefix: stack.topicPrefix)],
            logger: logger)
        var events: [CertificateExpiring] = []
        var quiet = 0
        let deadline = ContinuousClock.now + .seconds(40)
        // Read until the topic has been quiet for a while after the first warning.
        while ContinuousClock.now < deadline && (events.isEmpty || quiet < 15) {
            guard let message = await consumer.poll(timeout: .milliseconds(200)) else {
                quiet += 1
                continue
            }
            quiet = 0
            if let event = try? CloudEvent<CertificateExpiring>.decode(message.value),
                event.type == EventType.certificateExpiring.rawValue, event.data.serialNumber == serial
            {
                events.append(event.data)
            }
        }
        await consumer.close()
        return events
    }
}
