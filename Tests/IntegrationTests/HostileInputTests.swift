import CLMClient
import CLMContracts
import Foundation
import Testing

/// Hundreds of malformed and hostile CSRs and JSON bodies against the running services: each
/// gets a 4xx problem document with a reason, none a 5xx, and nothing is stored.
@Suite("Hostile input", .serialized, .timeLimit(.minutes(8)))
struct HostileInputTests {
    /// A CSR made by the openssl CLI with the given key options; nil when this OpenSSL refuses.
    static func csr(_ keyArguments: [String], in directory: URL) throws -> String? {
        let key = directory.appendingPathComponent("k-\(uniqueSuffix()).pem").path
        let out = directory.appendingPathComponent("r-\(uniqueSuffix()).pem").path
        guard try run(OpenSSL.path, ["genpkey"] + keyArguments + ["-out", key]).status == 0 else { return nil }
        let made = try run(OpenSSL.path, ["req", "-new", "-key", key, "-subj", "/CN=x", "-out", out])
        guard made.status == 0 else { return nil }
        return try String(contentsOfFile: out, encoding: .utf8)
    }

    static func der(ofPEM pem: String) -> [UInt8] {
        let body = pem.split(separator: "\n").filter { !$0.hasPrefix("-----") }.joined()
        return [UInt8](Data(base64Encoded: body) ?? Data())
    }

    static func pem(_ der: [UInt8], label: String = "CERTIFICATE REQUEST") -> String {
        "-----BEGIN \(label)-----\n\(Data(der).base64EncodedString(options: [.lineLength64Characters]))\n-----END \(label)-----\n"
    }

    /// The CSRs: truncations, bit flips, garbage, wrong PEM types, weak and disallowed keys.
    static func hostileCSRs(directory: URL) throws -> [(String, String)] {
        var generator = SystemRandomNumberGenerator()
        let valid = try #require(try csr(["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256"], in: directory))
        let der = Self.der(ofPEM: valid)
        var cases: [(String, String)] = []
        // Truncated DER, as PEM and as bare base64, at spread-out lengths.
        for length in stride(from: 0, to: der.count, by: max(1, der.count / 40)) {
            cases.append(("truncated to \(length) bytes (PEM)", pem(Array(der.prefix(length)))))
            cases.append(("truncated to \(length) bytes (base64 DER)", Data(der.prefix(length)).base64EncodedString()))
        }
        // Single bit flips across the whole structure: tags, lengths, key, signature.
        for position in stride(from: 0, to: der.count, by: max(1, der.count / 60)) {
            var flipped = der
            flipped[position] ^= 1 << UInt8(position % 8)
            cases.append(("bit flipped at byte \(position)", pem(flipped)))
        }
        // An EC point that is not on the curve: the uncompressed point (04 || X || Y) follows
        // the BIT STRING header 03 42 00; change Y's last byte.
        let pointHeader: [UInt8] = [0x03, 0x42, 0x00, 0x04]
        if let start = (0...(der.count - pointHeader.count)).first(where: { Array(der[$0..<$0 + 4]) == pointHeader }) {
            var offCurve = der
            offCurve[start + 3 + 64] ^= 0x01
            cases.append(("EC point not on the curve", pem(offCurve)))
        }
        // Length fields that lie: claim 4 GiB, claim more than there is.
        var huge = der
        if huge.count > 4 { huge.replaceSubrange(1..<2, with: [0x84, 0xFF, 0xFF, 0xFF, 0xFF]) }
        cases.append(("outer length 4 GiB", pem(huge)))
        cases.append(("trailing garbage after the CSR", pem(der + [0x00, 0x01, 0x02, 0x03])))
        cases.append(("two CSRs concatenated", pem(der + der)))
        // Garbage.
        for index in 0..<30 {
            let count = Int.random(in: 1...2048, using: &generator)
            let bytes = (0..<count).map { _ in UInt8.random(in: 0...255, using: &generator) }
            cases.append(
                (
                    "random \(count) bytes #\(index)",
                    index.isMultiple(of: 2) ? pem(bytes) : Data(bytes).base64EncodedString()
                ))
        }
        cases.append(("empty", ""))
        cases.append(("whitespace", "   \n\t "))
        cases.append(("PEM armour only", "-----BEGIN CERTIFICATE REQUEST-----\n-----END CERTIFICATE REQUEST-----\n"))
        cases.append(
            (
                "PEM with non-base64 body",
                "-----BEGIN CERTIFICATE REQUEST-----\n!!!!\n-----END CERTIFICATE REQUEST-----\n"
            ))
        cases.append(("unterminated PEM", "-----BEGIN CERTIFICATE REQUEST-----\n" + Data(der).base64EncodedString()))
        cases.append(("NUL bytes", String(repeating: "\u{0}", count: 64)))
        cases.append(("valid DER labelled as a certificate", pem(der, label: "CERTIFICATE")))
        // Other objects where a CSR belongs: a private key must never be taken, nor stored.
        let keyFile = directory.appendingPathComponent("wrong-\(uniqueSuffix()).pem").path
        if try run(
            OpenSSL.path, ["genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", keyFile]
        ).status == 0 {
            let keyPEM = try String(contentsOfFile: keyFile, encoding: .utf8)
            cases.append(("a private key", keyPEM))
            cases.append(("a private key's DER as a CSR", pem(Self.der(ofPEM: keyPEM))))
            let pub = try run(OpenSSL.path, ["pkey", "-in", keyFile, "-pubout"])
            cases.append(("a public key", pub.stdout))
            let cert = try run(OpenSSL.path, ["req", "-new", "-x509", "-key", keyFile, "-subj", "/CN=x", "-days", "1"])
            cases.append(("a self-signed certificate", cert.stdout))
            cases.append(("a certificate's DER labelled as a CSR", pem(Self.der(ofPEM: cert.stdout))))
        }
        // Keys the policy (RSA 2048/3072, P-256/P-384, Ed25519) or the product refuses.
        let weak: [(String, [String])] = [
            ("RSA 1024", ["-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:1024"]),
            (
                "RSA 2048 with exponent 3",
                ["-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-pkeyopt", "rsa_keygen_pubexp:3"]
            ),
            ("RSA 4096 (not in the template)", ["-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:4096"]),
            ("EC P-521 (not in the template)", ["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-521"]),
            ("EC secp256k1", ["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:secp256k1"]),
            ("EC brainpoolP256r1", ["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:brainpoolP256r1"]),
            ("Ed448 (not in the template)", ["-algorithm", "ED448"]),
        ]
        for (name, arguments) in weak {
            if let made = try csr(arguments, in: directory) { cases.append((name, made)) }
        }
        // An RSA key with an even public exponent cannot come out of openssl genpkey: forge the
        // exponent inside a valid RSA CSR (the signature then fails as well; either way: 4xx).
        if let rsa = try csr(["-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048"], in: directory) {
            var bytes = Self.der(ofPEM: rsa)
            // The last INTEGER 65537 (02 03 01 00 01) is the public exponent.
            let exponent: [UInt8] = [0x02, 0x03, 0x01, 0x00, 0x01]
            var found: Int?
            for start in stride(from: bytes.count - exponent.count, through: 0, by: -1)
            where Array(bytes[start..<start + exponent.count]) == exponent {
                found = start
                break
            }
            if let index = found {
                bytes[index + 4] = 0x02  // 65537 -> 65538
                cases.append(("RSA with an even exponent", pem(bytes)))
            }
        }
        return cases
    }

    static func hostileBodies(csr: String) -> [(String, String)] {
        var bodies: [(String, String)] = [
            ("not JSON", "policy=web-server"), ("empty body", ""), ("JSON null", "null"), ("JSON array", "[]"),
            ("JSON string", "\"web-server\""), ("JSON number", "42"), ("truncated JSON", #"{"policy":"web-server","#),
            ("deeply nested", String(repeating: "[", count: 5000) + String(repeating: "]", count: 5000)),
            ("deep object", String(repeating: #"{"a":"#, count: 2000) + "1" + String(repeating: "}", count: 2000)),
            ("replacement character and NUL in the policy id", "{\"policy\":\"\u{FFFD}\u{0}\"}"),
        ]
        let fields: [(String, String)] = [
            ("policy", #"123"#), ("policy", #"null"#), ("policy", #""../../etc/passwd""#), ("policy", #""WEB-SERVER""#),
            ("policy", #""""#), ("policy", "\"\(String(repeating: "p", count: 5000))\""), ("policy", #""web server""#),
            ("policy", #""web-server\u0000""#), ("policy", #"["web-server"]"#),
            ("entities", #""www""#), ("entities", #"[]"#), ("entities", #"[1,2]"#), ("entities", #"[null]"#),
            ("entities", "[" + Array(repeating: #""www""#, count: 500).joined(separator: ",") + "]"),
            ("entities", #"["../www"]"#), ("entities", #"["WWW"]"#), ("entities", #"{"www":true}"#),
            ("validityDays", #"-1"#), ("validityDays", #"0"#), ("validityDays", #"1e9"#), ("validityDays", #""90""#),
            ("validityDays", #"90.5"#), ("validityDays", #"99999999999999999999"#), ("validityDays", #"true"#),
            ("policyVersion", #"0"#), ("policyVersion", #"-3"#), ("policyVersion", #""1""#),
            ("keyGeneration", #""rsa:1024""#), ("keyGeneration", #""rsa:2047""#), ("keyGeneration", #""ec:p192""#),
            ("keyGeneration", #""dsa:2048""#), ("keyGeneration", #""""#), ("keyGeneration", #"7"#),
            ("keyGeneration", #""rsa:99999999999999999999""#),
            ("keyGeneration", "\"\(String(repeating: "x", count: 10000))\""),
            ("keyGeneration", #""ed448""#), ("keyGeneration", #""ec:P-521""#), ("keyGeneration", #""rsa:4096""#),
            ("csr", #"12"#), ("csr", #"["a"]"#), ("csr", #"{"pem":"x"}"#),
        ]
        for (field, value) in fields {
            let base: [String: String] = ["policy": #""web-server""#, "entities": #"["www"]"#, "csr": jsonString(csr)]
            var members = base
            members[field] = value
            if field == "keyGeneration" {
                members["csr"] = nil
                members["keyPassword"] = #""correct horse battery""#
            }
            let object = "{" + members.map { "\"\($0.key)\":\($0.value)" }.joined(separator: ",") + "}"
            bodies.append(("\(field) = \(value.prefix(40))", object))
        }
        bodies.append(
            (
                "both CSR and key generation",
                #"{"policy":"web-server","entities":["www"],"keyGeneration":"ec:P-256","csr":\#(jsonString(csr))}"#
            ))
        bodies.append(("neither CSR nor key generation", #"{"policy":"web-server","entities":["www"]}"#))
        bodies.append(
            (
                "key generation without a key password",
                #"{"policy":"web-server","entities":["www"],"keyGeneration":"ec:P-256"}"#
            ))
        bodies.append(
            (
                "key password too short",
                #"{"policy":"web-server","entities":["www"],"keyGeneration":"ec:P-256","keyPassword":"short"}"#
            ))
        bodies.append(
            (
                "key password as a number",
                #"{"policy":"web-server","entities":["www"],"keyGeneration":"ec:P-256","keyPassword":123456789012345}"#
            ))
        bodies.append(
            (
                "key password with a CSR",
                #"{"policy":"web-server","entities":["www"],"csr":\#(jsonString(csr)),"keyPassword":"correct horse battery"}"#
            ))
        bodies.append(("missing policy", #"{"entities":["www"],"keyGeneration":"ec:P-256"}"#))
        bodies.append(("missing entities", #"{"policy":"web-server","keyGeneration":"ec:P-256"}"#))
        bodies.append(("unknown policy", #"{"policy":"no-such-policy","entities":["www"],"keyGeneration":"ec:P-256"}"#))
        bodies.append(("unknown entity", #"{"policy":"web-server","entities":["nobody"],"keyGeneration":"ec:P-256"}"#))
        return bodies
    }

    static func jsonString(_ text: String) -> String {
        String(
            decoding: try! JSONSerialization.data(withJSONObject: [text], options: [.fragmentsAllowed]), as: UTF8.self
        )
        .dropFirst().dropLast().description
    }

    @Test(
        "at least 200 malformed or hostile CSRs, request bodies and policy documents: each a 4xx with a reason, none stored"
    )
    func hostileInput() async throws {
        let environment = try TestEnvironment.require()
        try await TestStack.with(environment) { stack in
            try await stack.start()
            let workflow = try await Workflow.prepare(stack)
            let realm = workflow.realm
            let directory = try temporaryDirectory()
            let valid = try #require(
                try Self.csr(["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256"], in: directory))

            var problems: [String] = []
            var count = 0
            func check(_ name: String, _ answer: CLMClient.Answer) {
                count += 1
                if !(400..<500).contains(answer.status) || answer.status == 401 || answer.status == 403 {
                    problems.append("\(name): HTTP \(answer.status) \(answer.text.prefix(200))")
                } else if (answer.problem?.detail ?? "").isEmpty || (answer.problem?.code ?? "").isEmpty {
                    problems.append(
                        "\(name): \(answer.status) without a problem code and reason: \(answer.text.prefix(200))")
                }
            }
            let requests = "/v1/realms/\(realm)/requests"
            // Warm the read model so that 'unknown policy' below means unknown, not not-yet-seen
            // (refused at the policy check, so nothing is stored).
            let warmUp = try await workflow.post(
                SubmitRequestBody(policy: "web-server", entities: ["www"], csr: valid, validityDays: -1))
            #expect(warmUp.problem?.code == "policy-mismatch", "\(warmUp.text)")

            for (name, csr) in try Self.hostileCSRs(directory: directory) {
                let body = SubmitRequestBody(policy: "web-server", entities: ["www"], csr: csr)
                check("CSR: \(name)", try await workflow.intake.send("POST", requests, json: body))
            }
            for (name, body) in Self.hostileBodies(csr: valid) {
                check("body: \(name)", try await workflow.intake.send("POST", requests, body: Data(body.utf8)))
            }
            // Oversized bodies: refused before they are read to the end.
            let oversized = SubmitRequestBody(
                policy: "web-server", entities: ["www"], csr: String(repeating: "A", count: 1 << 20))
            let tooLarge = try await workflow.intake.send("POST", requests, json: oversized)
            check("1 MiB CSR", tooLarge)
            #expect(tooLarge.status == 413)
            for (name, policy) in try Self.hostilePolicies() {
                let answer = try await workflow.registry.send("POST", "/v1/realms/\(realm)/policies", body: policy)
                check("policy: \(name)", answer)
            }
            let hugePolicy = Data(("{\"id\":\"x\",\"pad\":\"" + String(repeating: "x", count: 200_000) + "\"}").utf8)
            check(
                "200 kB policy",
                try await workflow.registry.send("POST", "/v1/realms/\(realm)/policies", body: hugePolicy))
            let badEntity = EndEntity(
                id: "e1", kind: .service, attributes: .init(dnsNames: ["not a name"], ipAddresses: ["300.1.1.1"]))
            check(
                "entity with invalid names",
                try await workflow.registry.send("POST", "/v1/realms/\(realm)/end-entities", json: badEntity))
            // Revocation: hostile bodies and serials, for a certificate that does not exist.
            let gateway = workflow.client("ca-gateway")
            for (name, body) in Self.hostileRevokeBodies() {
                check(
                    "revoke: \(name)",
                    try await gateway.send(
                        "POST", "/v1/realms/\(realm)/certificates/0A/revoke", body: Data(body.utf8)))
            }
            for serial in ["zz", String(repeating: "F", count: 200), "%00", "-1", "0x0A"] {
                check(
                    "revoke serial \(serial.prefix(12))",
                    try await gateway.send(
                        "POST", "/v1/realms/\(realm)/certificates/\(serial)/revoke",
                        body: Data(#"{"reason":"keyCompromise"}"#.utf8)))
            }
            // OCSP: garbage of every size is a malformedRequest response, never an error page.
            let ocspProblems = try await Self.sizesWithoutMalformedRequest(stack.client("ca-gateway", token: nil))
            #expect(ocspProblems.isEmpty, "OCSP bodies of these sizes got no malformedRequest: \(ocspProblems)")
            #expect(try stack.database.scalar("SELECT count(*) FROM ca_gateway.revocations") == "0")

            #expect(count >= 200, "only \(count) hostile inputs")
            #expect(problems.isEmpty, "\(problems.count) of \(count):\n\(problems.joined(separator: "\n"))")
            // Nothing stored, and the services are still alive.
            let db = stack.database
            #expect(try db.scalar("SELECT count(*) FROM intake.requests") == "0")
            #expect(try db.scalar("SELECT count(*) FROM registry.policies WHERE realm = '\(realm)'") == "1")
            #expect(try db.scalar("SELECT count(*) FROM registry.end_entities WHERE realm = '\(realm)'") == "1")
            #expect(
                try db.scalar("SELECT count(*) FROM intake.requests WHERE submitted::text LIKE '%PRIVATE KEY%'") == "0")
            for name in TestStack.names {
                #expect(
                    try await stack.client(name, token: nil).send("GET", "/health/live").status == 200, "\(name) died")
                #expect(!stack[name].log.contains("Fatal error"), "\(name) trapped")
            }
        }
    }
}
