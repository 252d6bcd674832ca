import CLMContracts
import CLMCrypto
import Foundation
import Testing

/// Rotating the key-encryption key: services restarted with a new KEK (the old one listed as
/// previous) re-wrap every stored key, after which the old KEK is no longer needed.
@Suite("KEK rotation", .serialized, .timeLimit(.minutes(5)))
struct KeyRotationTests {
    @Test("after rotation every sealed key opens under the new key-encryption key alone")
    func rotate() async throws {
        let environment = try TestEnvironment.require()
        try await TestStack.with(environment) { stack in
            try await stack.start()
            let workflow = try await Workflow.prepare(stack)
            let db = stack.database
            let password = "rotation password 42"

            // A server-side key that waits, sealed, for its download.
            let submitted = try await workflow.submit(
                SubmitRequestBody(
                    policy: "web-server", entities: ["www"], keyGeneration: "ec:P-256", keyPassword: password))
            let keyRequest = submitted.id.uuidString
            #expect(try await workflow.waitForFinalState(keyRequest).state == .issued)
            #expect(try db.scalar("SELECT kek_id FROM keygen.keys WHERE request_id = '\(keyRequest)'") == "test-1")
            #expect(try db.scalar("SELECT kek_id FROM ca_gateway.authorities") == "test-1")
            let sealedBefore = try db.scalar(
                "SELECT md5(sealed_key) FROM keygen.keys WHERE request_id = '\(keyRequest)'")

            // Roll keygen and the CA gateway onto a new KEK, the old one still accepted.
            let newKEK = Data(SecureRandom.bytes(32)).base64EncodedString()
            for name in ["keygen", "ca-gateway"] {
                let service = stack[name]
                await service.stop()
                service.setEnvironment("CLM_KEK", newKEK)
                service.setEnvironment("CLM_KEK_ID", "rotated-2")
                service.setEnvironment("CLM_KEK_PREVIOUS", "test-1:\(environment.kek)")
                try await service.start()
            }
            var keysRewrapped = false
            for _ in 0..<100 where !keysRewrapped {
                keysRewrapped =
                    try db.scalar(
                        "SELECT count(*) FROM keygen.keys WHERE sealed_key IS NOT NULL AND kek_id <> 'rotated-2'")
                    == "0"
                if !keysRewrapped { try await Task.sleep(for: .milliseconds(200)) }
            }
            #expect(keysRewrapped)
            #expect(try db.scalar("SELECT kek_id FROM ca_gateway.authorities") == "rotated-2")
            #expect(
                try db.scalar("SELECT md5(sealed_key) FROM keygen.keys WHERE request_id = '\(keyRequest)'")
                    != sealedBefore)

            // Drop the old KEK entirely: the CA still signs and the old key still downloads.
            for name in ["keygen", "ca-gateway"] {
                let service = stack[name]
                await service.stop()
                service.setEnvironment("CLM_KEK_PREVIOUS", nil)
                try await service.start()
            }
            let csr = try OpenSSL.hostileCSR(directory: try temporaryDirectory())
            let csrRequest = try await workflow.submit(csr: csr)
            #expect(try await workflow.waitForFinalState(csrRequest).state == .issued)
            let download = try await workflow.client("keygen").send(
                "POST", "/v1/realms/\(workflow.realm)/requests/\(keyRequest)/key-bundle?format=pkcs12",
                json: KeyBundleBody(password: password))
            #expect(download.status == 200, "\(download.text.prefix(300))")
            let bundle = try temporaryDirectory().appendingPathComponent("rotated.p12")
            try download.body.write(to: bundle)
            let (certificate, _) = try OpenSSL.open(bundle: bundle.path, format: "pkcs12", password: password)
            #expect(certificate.contains("BEGIN CERTIFICATE"))
        }
    }

    @Test("a service without the KEK that sealed its CA refuses to start with one clear line")
    func missingKEK() async throws {
        let environment = try TestEnvironment.require()
        try await TestStack.with(environment) { stack in
            let gateway = stack["ca-gateway"]
            try await gateway.start()
            await gateway.stop()
            gateway.setEnvironment("CLM_KEK", Data(SecureRandom.bytes(32)).base64EncodedString())
            gateway.setEnvironment("CLM_KEK_ID", "someone-else")
            await #expect(throws: (any Error).self) { try await gateway.start(timeout: .seconds(20)) }
            #expect(gateway.tail().contains("which is not configured"), "\(gateway.tail())")
            #expect(!gateway.tail().contains("Fatal error"))
        }
    }
}
