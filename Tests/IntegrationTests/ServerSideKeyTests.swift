import CLMClient
import CLMContracts
import Foundation
import Testing

/// Server-side key generation over the real stack: keygen makes the key after approval, the CA
/// signs its public key, and the user downloads certificate and key once.
@Suite("Server-side keys", .serialized, .timeLimit(.minutes(5)))
struct ServerSideKeyTests {
    static let password = "correct horse battery staple"

    /// Every algorithm and size CLM generates, each downloaded in both formats.
    static let specs = ["rsa:2048", "rsa:3072", "rsa:4096", "ec:P-256", "ec:P-384", "ec:P-521", "ed25519", "ed448"]

    static var everyKeyPolicy: PolicyDocument {
        Workflow.policy(id: "every-key") {
            $0.keyTemplate = .init(
                rsaBits: [2048, 3072, 4096], ecCurves: ["P-256", "P-384", "P-521"], eddsa: ["Ed25519", "Ed448"])
        }
    }

    @Test("every algorithm and size is generated, issued, and downloaded once as PKCS#12 and as PEM that OpenSSL opens")
    func generateIssueDownload() async throws {
        let environment = try TestEnvironment.require()
        try await TestStack.with(environment) { stack in
            try await stack.start()
            let workflow = try await Workflow.prepare(stack)
            try await workflow.expect(
                201, "POST", "/v1/realms/\(workflow.realm)/policies", on: workflow.registry, Self.everyKeyPolicy)
            let directory = try temporaryDirectory()
            let keygen = workflow.client("keygen")
            let realm = workflow.realm
            let chain = try await workflow.client("ca-gateway").send("GET", "/v1/cas/default/chain").text
            let issuer = chain.components(separatedBy: "-----END CERTIFICATE-----")[0] + "-----END CERTIFICATE-----\n"

            // Submit all first so generation and issuance overlap, then check each.
            var requests: [(spec: String, format: String, id: String)] = []
            for spec in Self.specs {
                for format in ["pkcs12", "pem"] {
                    let submitted = try await workflow.submit(
                        SubmitRequestBody(
                            policy: "every-key", entities: ["www"], keyGeneration: spec, keyPassword: Self.password))
                    #expect(submitted.keySource == .server)
                    requests.append((spec, format, submitted.id.uuidString))
                }
            }
            for (spec, format, id) in requests {
                let request = try await workflow.waitForFinalState(id, timeout: .seconds(180))
                #expect(request.state == .issued, "\(spec): \(request)")
                let states = (request.history ?? []).map(\.state)
                #expect(states == [.submitted, .approved, .keyGenerated, .issued], "\(spec)")

                // A weak password is refused before anything is opened.
                let weak = try await keygen.send(
                    "POST", "/v1/realms/\(realm)/requests/\(id)/key-bundle?format=\(format)",
                    json: KeyBundleBody(password: "short"))
                #expect(weak.status == 400)
                #expect(weak.problem?.code == "weak-password")
                // Nobody but the requester downloads, not even a realm admin of the realm.
                let other = try workflow.client(
                    "keygen", as: "mallory@test.example", roles: ["requester", "realm-admin"])
                let stolen = try await other.send(
                    "POST", "/v1/realms/\(realm)/requests/\(id)/key-bundle?format=\(format)",
                    json: KeyBundleBody(password: Self.password))
                #expect(stolen.status == 404, "\(spec): \(stolen.text)")
                // The requester's own token with another password than the one chosen at submission: 403.
                let guessed = try await keygen.send(
                    "POST", "/v1/realms/\(realm)/requests/\(id)/key-bundle?format=\(format)",
                    json: KeyBundleBody(password: "not the chosen one"))
                #expect(guessed.status == 403 && guessed.problem?.code == "wrong-password", "\(spec): \(guessed.text)")

                let download = try await keygen.send(
                    "POST", "/v1/realms/\(realm)/requests/\(id)/key-bundle?format=\(format)",
                    json: KeyBundleBody(password: Self.password))
                #expect(download.status == 200, "\(spec): \(download.text.prefix(300))")
                let bundle = directory.appendingPathComponent("\(id).\(format)")
                try download.body.write(to: bundle)

                // OpenSSL opens the bundle with the password; the key matches the certificate,
                // which verifies against the chain and conforms to RFC 5280.
                let (certificate, keyPEM) = try OpenSSL.open(
                    bundle: bundle.path, format: format, password: Self.password)
                #expect(certificate.contains("BEGIN CERTIFICATE"))
                let certificateKey = try run(OpenSSL.path, ["x509", "-noout", "-pubkey"], input: certificate).stdout
                let privateKeyPublic = try run(OpenSSL.path, ["pkey", "-pubout"], input: keyPEM).stdout
                #expect(!certificateKey.isEmpty && certificateKey == privateKeyPublic, "\(spec): key does not match")
                let keyText = try run(OpenSSL.path, ["pkey", "-noout", "-text"], input: keyPEM).stdout
                #expect(keyText.contains(Self.openSSLDescription(spec)), "\(spec): \(keyText.prefix(80))")
                let (verified, output) = try OpenSSL.verify(leaf: certificate, chain: chain, directory: directory)
                #expect(verified, "\(spec): openssl verify: \(output)")
                #expect(try RFC5280.problems(leaf: certificate, issuer: issuer) == [], "\(spec)")
                if format == "pkcs12" {
                    // The bundle uses AES-256-CBC with PBKDF2 and a SHA-256 MAC, not legacy RC2/3DES.
                    let info = try run(
                        OpenSSL.path,
                        ["pkcs12", "-info", "-noout", "-in", bundle.path, "-passin", "pass:\(Self.password)"])
                    let described = info.stdout + info.stderr
                    #expect(described.contains("AES-256-CBC") && described.contains("PBKDF2"), "\(spec): \(described)")
                    #expect(described.contains("MAC: sha256"), "\(spec): \(described)")
                } else {
                    #expect(download.text.contains("BEGIN ENCRYPTED PRIVATE KEY"), "\(spec): PEM key not encrypted")
                }
                // The wrong password does not open it.
                #expect(throws: (any Error).self) {
                    _ = try OpenSSL.open(bundle: bundle.path, format: format, password: "wrong password 123")
                }

                // Downloaded once, then destroyed, and the request says so.
                let again = try await keygen.send(
                    "POST", "/v1/realms/\(realm)/requests/\(id)/key-bundle?format=\(format)",
                    json: KeyBundleBody(password: Self.password))
                #expect(again.status == 410)
                #expect(again.problem?.code == "key-destroyed")
                #expect(
                    try stack.database.scalar(
                        "SELECT (sealed_key IS NULL)::text || ':' || (destroyed_at IS NOT NULL)::text FROM keygen.keys WHERE request_id = '\(id)'"
                    )
                        == "true:true")
            }
            let last = try #require(requests.last)
            try await waitUntil("intake shows the key destroyed") {
                try await workflow.request(last.id).keyStatus == "destroyed (downloaded)"
            }
            // The private key never left keygen's schema: no other schema or outbox holds key material.
            for table in ["intake.requests", "ca_gateway.orders", "ca_gateway.certificates", "approval.decisions"] {
                #expect(
                    try stack.database.scalar(
                        "SELECT count(*) FROM \(table) WHERE \(table.split(separator: ".")[1])::text LIKE '%PRIVATE KEY%'"
                    ) == "0")
            }
        }
    }

    /// How `openssl pkey -text` names a key of `spec`.
    static func openSSLDescription(_ spec: String) -> String {
        switch spec {
        case "rsa:2048": "Private-Key: (2048 bit"
        case "rsa:3072": "Private-Key: (3072 bit"
        case "rsa:4096": "Private-Key: (4096 bit"
        case "ec:P-256": "NIST CURVE: P-256"
        case "ec:P-384": "NIST CURVE: P-384"
        case "ec:P-521": "NIST CURVE: P-521"
        case "ed25519": "ED25519 Private-Key"
        default: "ED448 Private-Key"
        }
    }

    @Test("a key not downloaded within the policy's retention is destroyed, and the request shows it")
    func retention() async throws {
        let environment = try TestEnvironment.require()
        try await TestStack.with(environment) { stack in
            try await stack.start()
            let workflow = try await Workflow.prepare(stack)
            let policy = Workflow.policy(id: "short-retention") { $0.keyRetention = "10s" }
            try await workflow.expect(
                201, "POST", "/v1/realms/\(workflow.realm)/policies", on: workflow.registry, policy)
            let submitted = try await workflow.submit(
                SubmitRequestBody(
                    policy: "short-retention", entities: ["www"], keyGeneration: "ec:P-256",
                    keyPassword: Self.password))
            let id = submitted.id.uuidString
            #expect(try await workflow.waitForFinalState(id).state == .issued)
            try await waitUntil("the key is destroyed after its retention", timeout: .seconds(60)) {
                try await workflow.request(id).keyStatus == "destroyed (retention-expired)"
            }
            let download = try await workflow.client("keygen").send(
                "POST", "/v1/realms/\(workflow.realm)/requests/\(id)/key-bundle?format=pkcs12",
                json: KeyBundleBody(password: Self.password))
            #expect(download.status == 410)
            #expect(download.problem?.detail.contains("retention period") == true, "\(download.text)")
            #expect(
                try stack.database.scalar("SELECT destroy_cause FROM keygen.keys WHERE request_id = '\(id)'")
                    == "retention-expired")
        }
    }

    @Test("a key the policy does not allow is refused before anything is generated")
    func disallowedSpec() async throws {
        let environment = try TestEnvironment.require()
        try await TestStack.with(environment) { stack in
            try await stack.start()
            let workflow = try await Workflow.prepare(stack)
            for (spec, code) in [
                ("rsa:4096", "policy-mismatch"), ("ec:P-521", "policy-mismatch"),
                ("dsa:1024", "invalid-key-generation"),
            ] {
                let answer = try await workflow.post(
                    SubmitRequestBody(
                        policy: "web-server", entities: ["www"], keyGeneration: spec, keyPassword: Self.password))
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
            let certificate = try run(
                path, ["pkcs12", "-in", bundle, "-passin", "pass:\(password)", "-clcerts", "-nokeys"])
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
