import CLMClient
import CLMContracts
import Foundation
import Testing

/// pkilint on what the running stack serves: a certificate issued under the demo's public TLS
/// policy through the whole workflow, the CA's CRL as relying parties fetch it, and OCSP
/// answers from the responder before and after the certificate is revoked.
@Suite("Served documents lint (pkilint)", .serialized, .timeLimit(.minutes(5)))
struct ServedLintTests {
    @Test("a public-TLS certificate from the workflow, the served CRL and OCSP answers pass pkilint")
    func servedDocuments() async throws {
        let environment = try TestEnvironment.require()
        try await TestStack.with(environment) { stack in
            // A public host, as a real installation has (pkilint refuses 127.0.0.1 in the links);
            // the test itself talks to the gateway's own port.
            stack["ca-gateway"].setEnvironment("CLM_PUBLIC_URL", "http://pki.example.com")
            try await stack.start()
            let workflow = try await Workflow.prepare(stack)
            let policyFile = stack.environment.repoRoot.appendingPathComponent("deploy/demo/policy-public-tls.json")
            let policy = try ContractCoding.decoder().decode(PolicyDocument.self, from: Data(contentsOf: policyFile))
            try await workflow.expect(
                201, "POST", "/v1/realms/\(workflow.realm)/policies", on: workflow.registry, policy)
            // Real public names: pkilint refuses reserved ones such as `.example`.
            let entity = EndEntity(
                id: "shop", kind: .service,
                attributes: .init(commonName: "shop.example.com", dnsNames: ["shop.example.com", "www.example.com"]))
            try await workflow.expect(
                201, "POST", "/v1/realms/\(workflow.realm)/end-entities", on: workflow.registry, entity)
            let request = try await workflow.submit(
                SubmitRequestBody(
                    policy: policy.id, entities: ["shop"], keyGeneration: "ec:P-256",
                    keyPassword: "correct horse battery staple"))
            let issued = try await workflow.waitForFinalState(request.id.uuidString)
            #expect(issued.state == .issued, "\(issued)")
            let pem = try await workflow.intake.send(
                "GET", "/v1/realms/\(workflow.realm)/requests/\(request.id.uuidString)/certificate"
            ).text
            let leaf = try derOf(
                pem: pem.components(separatedBy: "-----END CERTIFICATE-----")[0] + "-----END CERTIFICATE-----")
            try PKILint.check(leaf, .pkixCertificate, label: "served public-TLS leaf")
            try PKILint.check(
                leaf, .serverAuthCertificate(type: "DV-FINAL-CERTIFICATE"), label: "served public-TLS leaf",
                accepting: CertificateLintTests.acceptedServerAuthWarnings)

            let anonymous = stack.client("ca-gateway", token: nil)
            let directory = try temporaryDirectory()
            let leafFile = directory.appendingPathComponent("leaf.pem")
            try pem.write(to: leafFile, atomically: true, encoding: .utf8)
            let issuer = directory.appendingPathComponent("issuing.der")
            try Data(try await anonymous.send("GET", "/v1/cas/default/certificate").body).write(to: issuer)
            let url = stack["ca-gateway"].baseURL.absoluteString + "/v1/cas/default/ocsp"
            func ocspResponse(_ name: String) throws -> [UInt8] {
                let out = directory.appendingPathComponent(name)
                let result = try run(
                    OpenSSL.path,
                    [
                        "ocsp", "-issuer", issuer.path, "-cert", leafFile.path, "-url", url, "-noverify", "-respout",
                        out.path,
                    ])
                guard result.status == 0 else { throw TestSetupError("openssl ocsp: \(result.stderr)") }
                return Array(try Data(contentsOf: out))
            }
            try PKILint.check(try ocspResponse("good.der"), .ocspResponse, label: "served OCSP good")
            let admin = try workflow.client("ca-gateway", as: "kim@test.example", roles: ["realm-admin"])
            let revoked = try await admin.send(
                "POST", "/v1/realms/\(workflow.realm)/requests/\(request.id.uuidString)/revoke",
                body: Data(#"{"reason":"keyCompromise"}"#.utf8))
            #expect(revoked.status == 201, "\(revoked.text)")
            try PKILint.check(try ocspResponse("revoked.der"), .ocspResponse, label: "served OCSP revoked")
            let crl = Array(try await anonymous.send("GET", "/v1/cas/default/crl").body)
            try PKILint.check(crl, .crl(profile: "PKIX"), label: "served CRL")
            try PKILint.check(crl, .crl(profile: "BR"), label: "served CRL")
        }
    }
}
