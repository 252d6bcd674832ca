import CLMClient
import Foundation
import Testing

/// Server-side key generation over the real stack: keygen makes the key after approval, the CA
/// signs its public key, and the user downloads certificate and key once.
@Suite("Server-side keys", .serialized, .timeLimit(.minutes(5)))
struct ServerSideKeyTests {
    static let password = "correct horse battery staple"

    @Test("generated keys are issued and downloaded once as PKCS#12 or PEM that OpenSSL opens")
    func generateIssueDownload() async throws {
        let environment = try TestEnvironment.require()
        try await TestStack.with(environment) { stack in
            try await stack.start()
            let workflow = try await Workflow.prepare(stack)
            let directory = try temporaryDirectory()
            let keygen = stack["keygen"].client
            let realm = workflow.realm

            for (spec, format) in [("ec:P-256", "pkcs12"), ("rsa:2048", "pem"), ("ed25519", "pkcs12")] {
                let submitted = try await workflow.submit(["policy": "web-server", "entities": ["www"], "keyGeneration": spec])
                let id = try #require(submitted["id"] as? String)
                #expect(submitted["keySource"] as? String == "server")
                let request = try await workflow.waitForFinalState(id)
                #expect(request["state"] as? String == "issued", "\(spec): \(request)")
                let states = (request["history"] as? [[String: Any]] ?? []).compactMap { $0["state"] as? String }
                #expect(states == ["submitted", "approved", "key_generated", "issued"], "\(spec)")

                // A weak password is refused before anything is opened.
                let weak = try await keygen.send(
                    "POST", "/v1/realms/\(realm)/requests/\(id)/key-bundle?format=\(format)",
                    body: try JSONSerialization.data(withJSONObject: ["password": "short"]))
                #expect(weak.status == 400)
                #expect(weak.problem?.code == "weak-password")

                let download = try await keygen.send(
                    "POST", "/v1/realms/\(realm)/requests/\(id)/key-bundle?format=\(format)",
                    body: try JSONSerialization.data(withJSONObject: ["password": Self.password]))
                #expect(download.status == 200, "\(spec): \(download.text.prefix(300))")
                let bundle = directory.appendingPathComponent("\(id).\(format)")
                try download.body.write(to: bundle)

                // OpenSSL opens the bundle with the password; the key matches the certificate.
                let (certificate, keyPEM) = try OpenSSL.open(bundle: bundle.path, format: format, password: Self.password)
                #expect(certificate.contains("BEGIN CERTIFICATE"))
                let certificateKey = try run(OpenSSL.path, ["x509", "-noout", "-pubkey"], input: certificate).stdout
                let privateKeyPublic = try run(OpenSSL.path, ["pkey", "-pubout"], input: keyPEM).stdout
                #expect(!certificateKey.isEmpty && certificateKey == privateKeyPublic, "\(spec): key does not match")
                // The wrong password does not open it.
                #expect(throws: (any Error).self) {
                    _ = try OpenSSL.open(bundle: bundle.path, format: format, password: "wrong password 123")
                }

                // Downloaded once, then destroyed.
                let again = try await keygen.send(
                    "POST", "/v1/realms/\(realm)/requests/\(id)/key-bundle?format=\(format)",
                    body: try JSONSerialization.data(withJSONObject: ["password": Self.password]))
                #expect(again.status == 410)
                #expect(again.problem?.code == "key-destroyed")
                #expect(try stack.database.scalar(
                    "SELECT (sealed_key IS NULL)::text || ':' || (destroyed_at IS NOT NULL)::text FROM keygen.keys WHERE request_id = '\(id)'")
                    == "true:true")
            }
            // The private key never left keygen's schema: no other schema or outbox holds key material.
            for table in ["intake.requests", "ca_gateway.orders", "ca_gateway.certificates", "approval.decisions"] {
                #expect(try stack.database.scalar("SELECT count(*) FROM \(table) WHERE \(table.split(separator: ".")[1])::text LIKE '%PRIVATE KEY%'") == "0")
            }
        }
    }

    @Test("a key the policy does not allow is refused before anything is generated")
    func disallowedSpec() async throws {
        let environment = try TestEnvironment.require()
        try await TestStack.with(environment) { stack in
            try await stack.start()
            let workflow = try await Workflow.prepare(stack)
            for (spec, code) in [("rsa:4096", "policy-mismatch"), ("ec:P-521", "policy-mismatch"), ("dsa:1024", "invalid-key-generation")] {
                let answer = try await workflow.post(["policy": "web-server", "entities": ["www"], "keyGeneration": spec])
                #expect(answer.status == 422, "\(spec): \(answer.text)")
                #expect(answer.problem?.code == code, "\(spec): \(answer.text)")
            }
            #expect(try stack.database.scalar("SELECT count(*) FROM keygen.orders") == "0")
        }
    }
}

extension OpenSSL {
    /// Opens a downloaded bundle; returns the certificate PEM and the unencrypted key PEM.
    static func open(bundle: String, format: String, password: String) throws -> (String, String) {
        if format == "pkcs12" {
            let certificate = try run(path, ["pkcs12", "-in", bundle, "-passin", "pass:\(password)", "-clcerts", "-nokeys"])
            let key = try run(path, ["pkcs12", "-in", bundle, "-passin", "pass:\(password)", "-nocerts", "-nodes"])
            guard certificate.status == 0, key.status == 0 else {
                throw TestSetupError("openssl pkcs12 failed: \(certificate.stderr) \(key.stderr)")
            }
            let keyPEM = try run(path, ["pkey"], input: key.stdout)
            return (certificate.stdout, keyPEM.stdout)
        }
        let text = try String(contentsOfFile: bundle, encoding: .utf8)
        let key = try run(path, ["pkey", "-in", bundle, "-passin", "pass:\(password)"])
        guard key.status == 0 else { throw TestSetupError("openssl pkey failed: \(key.stderr)") }
        let certificate = text.components(separatedBy: "-----END CERTIFICATE-----")[0] + "-----END CERTIFICATE-----\n"
        return (certificate, key.stdout)
    }
}
