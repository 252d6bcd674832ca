import CLMClient
import CLMContracts
import Foundation
import Testing

/// One issued certificate on the real stack, and the relying party's view of it: the files
/// `openssl verify` and `openssl ocsp` need, fetched from the URLs the certificate carries.
struct IssuedLeaf {
    let workflow: Workflow
    let serial: String
    let request: String
    let pem: String
    let directory: URL

    var realm: String { workflow.realm }
    var gateway: CLMClient { workflow.client("ca-gateway") }
    /// A relying party: no token.
    var anonymous: CLMClient { workflow.stack.client("ca-gateway", token: nil) }
    var ocspURL: String { workflow.stack["ca-gateway"].baseURL.absoluteString + "/v1/cas/default/ocsp" }

    /// Submits a CSR request as `requester` and waits for its certificate.
    static func issue(_ workflow: Workflow, as requester: String, roles: Set<String> = ["requester"]) async throws
        -> IssuedLeaf
    {
        let directory = try temporaryDirectory()
        let intake = try workflow.client("intake", as: requester, roles: roles)
        let csr = try OpenSSL.hostileCSR(directory: directory)
        let body = try ContractCoding.encoder().encode(
            SubmitRequestBody(policy: "web-server", entities: ["www"], csr: csr))
        var answer = try await intake.send("POST", "/v1/realms/\(workflow.realm)/requests", body: body)
        let deadline = ContinuousClock.now + .seconds(30)
        while answer.status != 202 && ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(200))
            answer = try await intake.send("POST", "/v1/realms/\(workflow.realm)/requests", body: body)
        }
        let id = try answer.decode(RequestView.self).id.uuidString
        let final = try await workflow.waitForFinalState(id)
        guard final.state == .issued else { throw TestSetupError("request \(id) ended \(final.state)") }
        let gateway = workflow.client("ca-gateway")
        var found: CertificateView?
        while found == nil && ContinuousClock.now < deadline + .seconds(60) {
            let page = try await gateway.send("GET", "/v1/realms/\(workflow.realm)/certificates?requester=\(requester)")
            found = try page.decode(CertificatePage.self).certificates.first { $0.request.uuidString == id }
            if found == nil { try await Task.sleep(for: .milliseconds(100)) }
        }
        guard let found else { throw TestSetupError("certificate of \(id) not in the inventory") }
        let detail = try await gateway.send("GET", "/v1/realms/\(workflow.realm)/certificates/\(found.serialNumber)")
        let leaf = IssuedLeaf(
            workflow: workflow, serial: found.serialNumber, request: id,
            pem: try detail.decode(CertificateDetail.self).pem, directory: directory)
        try leaf.pem.write(to: leaf.file("leaf.pem"), atomically: true, encoding: .utf8)
        let chain = try await gateway.send("GET", "/v1/cas/default/chain").text
        let blocks = chain.components(separatedBy: "-----END CERTIFICATE-----").dropLast()
            .map { $0.trimmingCharacters(in: .whitespacesAndNewlines) + "\n-----END CERTIFICATE-----\n" }
        try blocks[0].write(to: leaf.file("issuing.pem"), atomically: true, encoding: .utf8)
        try blocks[1].write(to: leaf.file("root.pem"), atomically: true, encoding: .utf8)
        try chain.write(to: leaf.file("chain.pem"), atomically: true, encoding: .utf8)
        return leaf
    }

    func file(_ name: String) -> URL { directory.appendingPathComponent(name) }

    /// The CA's CRL as a relying party fetches it (PEM), saved as crl.pem.
    func fetchCRL() async throws -> String {
        let answer = try await anonymous.send(
            "GET", "/v1/cas/default/crl", headers: ["Accept": "application/x-pem-file"])
        guard answer.status == 200 else { throw TestSetupError("CRL: \(answer.status) \(answer.text)") }
        try answer.text.write(to: file("crl.pem"), atomically: true, encoding: .utf8)
        return answer.text
    }

    /// `openssl verify -crl_check` with the CRL just fetched.
    func verifyWithCRL() async throws -> (ok: Bool, output: String) {
        _ = try await fetchCRL()
        let result = try run(
            OpenSSL.path,
            [
                "verify", "-crl_check", "-CAfile", file("root.pem").path, "-untrusted", file("issuing.pem").path,
                "-CRLfile", file("crl.pem").path, file("leaf.pem").path,
            ])
        return (result.status == 0, result.stdout + result.stderr)
    }

    /// `openssl ocsp` against the responder, its output (status line and response text).
    func ocsp(_ target: [String]? = nil) throws -> String {
        let result = try run(
            OpenSSL.path,
            ["ocsp", "-issuer", file("issuing.pem").path] + (target ?? ["-cert", file("leaf.pem").path]) + [
                "-url", ocspURL, "-CAfile", file("chain.pem").path, "-resp_text",
            ])
        return result.stdout + result.stderr
    }

    /// Revokes by serial as `subject` with `roles`; the answer.
    func revoke(as subject: String, roles: Set<String>, reason: String = "keyCompromise", serial: String? = nil)
        async throws -> CLMClient.Answer
    {
        let client = try workflow.client("ca-gateway", as: subject, roles: roles)
        return try await client.send(
            "POST", "/v1/realms/\(realm)/certificates/\(serial ?? self.serial)/revoke",
            body: Data(#"{"reason":"\#(reason)","comment":"integration test"}"#.utf8))
    }
}
