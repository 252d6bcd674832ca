import CLMContracts
import CLMMessaging
import Foundation
import Logging
import Testing

/// After a full server-side generation run, the private keys' bytes appear nowhere but in the
/// user's download: not in any service log, Kafka event or database row.
@Suite("Key leaks", .serialized, .timeLimit(.minutes(6)))
struct KeyLeakTests {
    /// The forms a private key could leak in.
    struct Needles {
        var binary: [(String, [UInt8])] = []
        var text: [(String, String)] = []

        init(pkcs8PEM: String, directory: URL) throws {
            let file = directory.appendingPathComponent("key-\(uniqueSuffix()).pem")
            try pkcs8PEM.write(to: file, atomically: true, encoding: .utf8)
            let derFile = directory.appendingPathComponent("key-\(uniqueSuffix()).der")
            guard
                try run(OpenSSL.path, ["pkey", "-in", file.path, "-outform", "DER", "-out", derFile.path]).status == 0
            else {
                throw TestSetupError("openssl pkey -outform DER failed")
            }
            let der = [UInt8](try Data(contentsOf: derFile))
            binary.append(("PKCS#8 DER", der))
            text.append(("PKCS#8 DER as hex", der.map { String(format: "%02x", $0) }.joined()))
            text.append(("PKCS#8 DER as base64", Data(der).base64EncodedString()))
            // Each full line of the PEM body: a log that wraps or truncates still contains one.
            // Lines made only of public bytes (an RSA modulus) may rightly appear in events that
            // carry the public key or certificate: the public key's base64 at all three byte
            // alignments tells them apart.
            let spkiFile = directory.appendingPathComponent("pub-\(uniqueSuffix()).der")
            guard
                try run(OpenSSL.path, ["pkey", "-in", file.path, "-pubout", "-outform", "DER", "-out", spkiFile.path])
                    .status == 0
            else { throw TestSetupError("openssl pkey -pubout failed") }
            let spki = [UInt8](try Data(contentsOf: spkiFile))
            let publicForms = (0..<3).map { Data(spki.dropFirst($0)).base64EncodedString() }
            for line in pkcs8PEM.split(separator: "\n") where !line.hasPrefix("-----") && line.count == 64 {
                if publicForms.contains(where: { $0.contains(line) }) { continue }
                text.append(("PEM line", String(line)))
            }
            // The bare secret: the EC scalar or the RSA private exponent, as OpenSSL prints it.
            let dump = try run(OpenSSL.path, ["pkey", "-in", file.path, "-noout", "-text"]).stdout
            if let secret = Self.secretHex(dump) {
                text.append(("secret as hex", secret))
                let bytes = stride(from: 0, to: secret.count, by: 2).map {
                    UInt8(
                        secret[
                            secret.index(
                                secret.startIndex, offsetBy: $0)...secret.index(secret.startIndex, offsetBy: $0 + 1)],
                        radix: 16)!
                }
                binary.append(("secret bytes", bytes))
                text.append(("secret as base64", Data(bytes).base64EncodedString()))
            }
        }

        /// The hex of `priv:` (EC) or `privateExponent:` (RSA) in `openssl pkey -text` output.
        static func secretHex(_ dump: String) -> String? {
            var collecting = false
            var hex = ""
            for line in dump.split(separator: "\n", omittingEmptySubsequences: false) {
                let trimmed = line.trimmingCharacters(in: .whitespaces)
                if trimmed == "priv:" || trimmed == "privateExponent:" {
                    collecting = true
                    continue
                }
                if collecting {
                    guard line.hasPrefix("    ") else { break }
                    hex += trimmed.replacingOccurrences(of: ":", with: "")
                }
            }
            // A leading 00 only marks the number positive.
            while hex.hasPrefix("00") { hex.removeFirst(2) }
            return hex.count >= 32 ? hex : nil
        }

        func find(inText haystack: String) -> [String] {
            text.filter { haystack.localizedCaseInsensitiveContains($0.1) }.map(\.0)
        }

        func find(inBytes haystack: [UInt8]) -> [String] {
            binary.filter { needle in
                guard needle.1.count <= haystack.count, let first = needle.1.first else { return false }
                var index = haystack.startIndex
                while let found = haystack[index...].firstIndex(of: first), found + needle.1.count <= haystack.count {
                    if haystack[found..<found + needle.1.count].elementsEqual(needle.1) { return true }
                    index = found + 1
                }
                return false
            }.map(\.0)
        }
    }

    @Test("no log line, Kafka event or database row holds a server-generated private key in any encoding")
    func noKeyBytesAnywhere() async throws {
        let environment = try TestEnvironment.require()
        try await TestStack.with(environment) { stack in
            // Debug logging: the most a service ever writes.
            for name in TestStack.names { stack[name].setEnvironment("CLM_LOG_LEVEL", "trace") }
            try await stack.start()
            let workflow = try await Workflow.prepare(stack)
            let realm = workflow.realm
            let directory = try temporaryDirectory()
            let password = "leak-test-password-1"

            var needles: [Needles] = []
            for spec in ["ec:P-256", "rsa:2048"] {
                let submitted = try await workflow.submit(
                    SubmitRequestBody(
                        policy: "web-server", entities: ["www"], keyGeneration: spec, keyPassword: password))
                let id = submitted.id.uuidString
                let done = try await workflow.waitForFinalState(id)
                #expect(done.state == .issued, "\(done)")
                let bundle = try await workflow.client("keygen").send(
                    "POST", "/v1/realms/\(realm)/requests/\(id)/key-bundle?format=pem",
                    json: KeyBundleBody(password: password))
                #expect(bundle.status == 200, "\(bundle.text)")
                // Decrypt the downloaded key to learn what must not appear elsewhere.
                let decrypted = try run(OpenSSL.path, ["pkey", "-passin", "pass:\(password)"], input: bundle.text)
                #expect(decrypted.status == 0, "\(decrypted.stderr)")
                needles.append(try Needles(pkcs8PEM: decrypted.stdout, directory: directory))
                // The encrypted download itself must not be stored either.
                #expect(!bundle.text.isEmpty)
            }
            #expect(needles.allSatisfy { $0.binary.count >= 2 && $0.text.count >= 5 }, "needles incomplete")

            // Every event on every topic of this stack.
            var events: [[UInt8]] = []
            let consumer = try KafkaConsumer(
                configuration: KafkaConfiguration(bootstrapServers: environment.kafkaBrokers, clientID: "leak-test"),
                groupID: "leak-\(uniqueSuffix())",
                topics: Topic.allCases.map { $0.name(prefix: stack.topicPrefix) }, logger: Logger(label: "leak-test"))
            var quietSince = ContinuousClock.now
            let deadline = ContinuousClock.now + .seconds(60)
            while ContinuousClock.now < deadline {
                if let message = await consumer.poll(timeout: .milliseconds(200)) {
                    events.append(message.value + (message.key ?? []) + message.headers.flatMap(\.1))
                    quietSince = ContinuousClock.now
                } else if !events.isEmpty && ContinuousClock.now - quietSince > .seconds(5) {
                    break
                }
            }
            await consumer.close()
            #expect(events.count >= 10, "read only \(events.count) events")

            let logs = TestStack.names.map { (name: $0, text: stack[$0].log) }
            #expect(logs.allSatisfy { !$0.text.isEmpty })
            let database = try stack.database.dump()
            #expect(database.contains("sealed") || database.count > 10_000, "the dump looks empty")

            for (index, needle) in needles.enumerated() {
                for log in logs {
                    let found = needle.find(inText: log.text) + needle.find(inBytes: Array(log.text.utf8))
                    #expect(found.isEmpty, "key \(index) in the \(log.name) log as \(found)")
                }
                for event in events {
                    let found =
                        needle.find(inBytes: event) + needle.find(inText: String(decoding: event, as: UTF8.self))
                    #expect(found.isEmpty, "key \(index) in a Kafka event as \(found)")
                }
                let found = needle.find(inText: database)
                #expect(found.isEmpty, "key \(index) in the database as \(found)")
            }
        }
    }
}
