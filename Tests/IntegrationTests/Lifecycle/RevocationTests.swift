import CLMClient
import CLMContracts
import CLMMessaging
import Foundation
import Logging
import ServiceLifecycle
import Testing

/// Revocation over the real stack, judged as relying parties judge it: `openssl verify
/// -crl_check` with the CRL from the URL in the certificate, `openssl ocsp` against the
/// responder in its AIA extension.
@Suite("Revocation, CRL and OCSP", .serialized, .timeLimit(.minutes(6)))
struct RevocationTests {
    /// A stack whose certificates point at the gateway itself (no edge in tests).
    static func withStack(_ body: (TestStack) async throws -> Void) async throws {
        let environment = try TestEnvironment.require()
        try await TestStack.with(environment) { stack in
            let gateway = stack["ca-gateway"]
            gateway.setEnvironment("CLM_PUBLIC_URL", gateway.baseURL.absoluteString)
            try await stack.start()
            try await body(stack)
        }
    }

    @Test(
        "revoked by its requester: CRL and OCSP say so at once, with reason and time; a second revoke answers the first"
    )
    func revokeByRequester() async throws {
        try await Self.withStack { stack in
            let workflow = try await Workflow.prepare(stack)
            let leaf = try await IssuedLeaf.issue(workflow, as: "rita@test.example")
            let text = try OpenSSL.text(of: leaf.pem)
            #expect(text.contains("URI:\(leaf.ocspURL)"), "AIA OCSP: \(text)")
            #expect(text.contains("/v1/cas/default/crl") && text.contains("/v1/cas/default/certificate"), "\(text)")
            // The CA issuers URL serves the issuing CA, DER.
            let issuer = try await leaf.anonymous.send("GET", "/v1/cas/default/certificate")
            #expect(issuer.status == 200 && issuer.headers["content-type"] == "application/pkix-cert")
            let issuingPEM = try String(contentsOf: leaf.file("issuing.pem"), encoding: .utf8)
            #expect(Array(issuer.body) == (try? derOf(pem: issuingPEM)))

            let before = try await leaf.verifyWithCRL()
            #expect(before.ok, "\(before.output)")
            let good = try leaf.ocsp()
            #expect(good.contains(": good") && good.contains("Response verify OK"), "\(good)")
            let unknown = try leaf.ocsp(["-serial", "0x0BADC0FFEE"])
            #expect(unknown.contains(": unknown") && unknown.contains("Response verify OK"), "\(unknown)")

            let started = ContinuousClock.now
            let revoked = try await leaf.revoke(as: "rita@test.example", roles: ["requester"])
            let answered = ContinuousClock.now
            #expect(revoked.status == 201, "\(revoked.text)")
            let view = try revoked.decode(RevocationView.self)
            #expect(view.serialNumber == leaf.serial && view.reason == .keyCompromise)
            #expect(view.revokedBy == "rita@test.example" && view.comment == "integration test")

            let after = try await leaf.verifyWithCRL()
            let crlSeen = ContinuousClock.now
            #expect(!after.ok && after.output.contains("certificate revoked"), "\(after.output)")
            let ocsp = try leaf.ocsp()
            let ocspSeen = ContinuousClock.now
            #expect(ocsp.contains(": revoked") && ocsp.contains("Reason: keyCompromise"), "\(ocsp)")
            #expect(ocsp.contains("Revocation Time") && ocsp.contains("Response verify OK"), "\(ocsp)")
            print(
                "revocation timing: revoke call \(answered - started), to a CRL listing it \(crlSeen - started), "
                    + "to OCSP revoked \(ocspSeen - started)")
            let crl = try run(OpenSSL.path, ["crl", "-in", leaf.file("crl.pem").path, "-noout", "-text"])
            #expect(crl.stdout.contains("Serial Number: \(leaf.serial)"), "\(crl.stdout)")
            #expect(crl.stdout.contains("Key Compromise") && crl.stdout.contains("X509v3 CRL Number"), "\(crl.stdout)")
            let signed = try run(
                OpenSSL.path,
                ["crl", "-in", leaf.file("crl.pem").path, "-CAfile", leaf.file("chain.pem").path, "-noout"])
            #expect(signed.stderr.contains("verify OK") || signed.stdout.contains("verify OK"), "\(signed)")

            let again = try await leaf.revoke(as: "rita@test.example", roles: ["requester"], reason: "superseded")
            #expect(again.status == 200 && (try? again.decode(RevocationView.self)) == view, "\(again.text)")
            // The inventory and the certificate's detail show it.
            let detail = try await leaf.gateway.send("GET", "/v1/realms/\(leaf.realm)/certificates/\(leaf.serial)")
            let shown = try detail.decode(CertificateDetail.self)
            #expect(shown.certificate.state == .revoked && shown.certificate.revocation == view)
            #expect(shown.history.map(\.event) == ["issued", "revoked"])
            // DER by default, as RFC 5280 publishes it.
            let der = try await leaf.anonymous.send("GET", "/v1/cas/default/crl")
            #expect(
                der.status == 200 && der.headers["content-type"] == "application/pkix-crl" && der.body.first == 0x30)
        }
    }

    @Test(
        "who may revoke: another requester 403, an auditor 403, a stranger 404, another realm's serial 404; an admin may"
    )
    func whoMayRevoke() async throws {
        try await Self.withStack { stack in
            let workflow = try await Workflow.prepare(stack)
            let leaf = try await IssuedLeaf.issue(workflow, as: "rita@test.example")
            let other = try await leaf.revoke(as: "bob@test.example", roles: ["requester"])
            #expect(other.status == 403 && other.problem?.code == "not-requester", "\(other.text)")
            let auditor = try await leaf.revoke(as: "aud@test.example", roles: ["auditor"])
            #expect(auditor.status == 403 && auditor.problem?.code == "forbidden", "\(auditor.text)")
            let stranger = try workflow.stack.client(
                "ca-gateway", token: try stack.token("eve@test.example", roles: ["elsewhere": ["realm-admin"]]))
            let hidden = try await stranger.send(
                "POST", "/v1/realms/\(workflow.realm)/certificates/\(leaf.serial)/revoke",
                body: Data(#"{"reason":"keyCompromise"}"#.utf8))
            #expect(hidden.status == 404, "\(hidden.text)")
            let badReason = try await leaf.revoke(
                as: "rita@test.example", roles: ["requester"], reason: "certificateHold")
            #expect(badReason.status == 400, "\(badReason.text)")
            // A serial of another realm, revoked through this realm's path by this realm's admin.
            let elsewhere = try await Workflow.prepare(stack)
            let foreign = try await IssuedLeaf.issue(elsewhere, as: "rita@test.example")
            let crossed = try await leaf.revoke(
                as: "kim@test.example", roles: ["realm-admin"], serial: foreign.serial)
            #expect(crossed.status == 404, "\(crossed.text)")
            #expect(try await foreign.verifyWithCRL().ok)
            // The realm admin revokes by request id.
            let admin = try workflow.client("ca-gateway", as: "kim@test.example", roles: ["realm-admin"])
            let byRequest = try await admin.send(
                "POST", "/v1/realms/\(workflow.realm)/requests/\(leaf.request)/revoke",
                body: Data(#"{"reason":"cessationOfOperation"}"#.utf8))
            #expect(byRequest.status == 201, "\(byRequest.text)")
            #expect((try? byRequest.decode(RevocationView.self))?.reason == .cessationOfOperation)
            #expect(try leaf.ocsp().contains("Reason: cessationOfOperation"))
        }
    }

    @Test("revoke over the Kafka command topic: accepted with the serial, refused per role and realm, once per command")
    func revokeOverKafka() async throws {
        try await Self.withStack { stack in
            let workflow = try await Workflow.prepare(stack)
            let leaf = try await IssuedLeaf.issue(workflow, as: "rita@test.example")
            var logger = Logger(label: "revoke-command-test")
            logger.logLevel = .warning
            let kafka = KafkaConfiguration(
                bootstrapServers: stack.environment.kafkaBrokers, clientID: "revoke-command-test")
            let producer = try KafkaProducer(configuration: kafka, logger: logger)
            let group = ServiceGroup(services: [producer], logger: logger)
            let runner = Task { try await group.run() }
            let topic = Topic.requestCommands.name(prefix: stack.topicPrefix)
            func send(_ command: RevokeCommand, realm: String? = nil) async throws -> UUID {
                let id = UUID()
                let event = CloudEvent(
                    id: id, source: "/test/ci", type: .revokeCommand, subject: "revoke", realm: realm ?? workflow.realm,
                    data: command)
                try await producer.send(topic: topic, key: id.uuidString, value: try event.encoded())
                return id
            }
            let rita = try stack.token("rita@test.example", roles: [workflow.realm: ["requester"]])
            let auditor = try stack.token("aud@test.example", roles: [workflow.realm: ["auditor"]])
            let refused = try await send(
                RevokeCommand(token: auditor, serialNumber: leaf.serial, reason: .keyCompromise))
            let garbage = try await send(
                RevokeCommand(token: "not-a-jwt", serialNumber: leaf.serial, reason: .superseded))
            let unknown = try await send(RevokeCommand(token: rita, serialNumber: "0BADC0FFEE", reason: .superseded))
            let foreign = try await send(
                RevokeCommand(token: rita, serialNumber: leaf.serial, reason: .superseded), realm: "no-such-realm")
            let accepted = try await send(
                RevokeCommand(
                    token: rita, request: UUID(uuidString: leaf.request), reason: .privilegeWithdrawn,
                    comment: "over Kafka"))
            let consumer = try KafkaConsumer(
                configuration: kafka, groupID: "revoke-answers-\(uniqueSuffix())",
                topics: [Topic.requestEvents.name(prefix: stack.topicPrefix)], logger: logger)
            var results: [UUID: [CommandResult]] = [:]
            let expected: Set<UUID> = [refused, garbage, unknown, foreign, accepted]
            let deadline = ContinuousClock.now + .seconds(60)
            while ContinuousClock.now < deadline && !Set(results.keys).isSuperset(of: expected) {
                guard let message = await consumer.poll(timeout: .milliseconds(200)) else { continue }
                if let event = try? CloudEvent<CommandResult>.decode(message.value),
                    event.type == EventType.commandResult.rawValue
                {
                    results[event.data.command, default: []].append(event.data)
                }
            }
            await consumer.close()
            await group.triggerGracefulShutdown()
            try await runner.value
            #expect(results[accepted]?.count == 1)
            #expect(results[accepted]?.first?.accepted == true && results[accepted]?.first?.serialNumber == leaf.serial)
            #expect(results[refused]?.first?.code == "forbidden", "\(results[refused] ?? [])")
            #expect(results[garbage]?.first?.code == "unauthenticated", "\(results[garbage] ?? [])")
            #expect(results[unknown]?.first?.code == "not-found", "\(results[unknown] ?? [])")
            #expect(results[foreign]?.first?.code == "not-found", "\(results[foreign] ?? [])")
            let ocsp = try leaf.ocsp()
            // privilegeWithdrawn is CRLReason 9; OpenSSL 3.0 prints it as "(UNKNOWN) (0x9)".
            #expect(ocsp.contains(": revoked") && ocsp.contains("Revocation Reason: (UNKNOWN) (0x9)"), "\(ocsp)")
        }
    }
}

/// The DER inside a PEM block.
func derOf(pem: String) throws -> [UInt8] {
    let body = pem.split(separator: "\n").filter { !$0.hasPrefix("-----") }.joined()
    guard let data = Data(base64Encoded: body) else { throw TestSetupError("not PEM") }
    return Array(data)
}
