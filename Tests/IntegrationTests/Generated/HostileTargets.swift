import CLMClient
import CLMContracts
import Foundation

/// The endpoints the generated stream attacks, each with a valid request: every body of
/// `HostileTextTests.calls`, every read of the five services, the public CA endpoints (OCSP
/// among them), and the console's own routes and API proxy.
enum HostileTargets {
    /// What the targets refer to: a realm with an issued certificate, and a console session.
    struct Fixture {
        var workflow: Workflow
        var csr: String
        var requestID: String
        var serial: String
        var ocspRequest: [UInt8]
        var consoleCookie: String
    }

    static func all(_ fixture: Fixture) throws -> [HostileTarget] {
        try bodies(fixture) + reads(fixture) + publicEndpoints(fixture) + console(fixture)
    }

    static func authorization(_ client: CLMClient) -> [String: String] {
        client.token.map { ["Authorization": "Bearer \($0)"] } ?? [:]
    }

    /// Every call with a JSON body, its identifiers those of the fixture.
    static func bodies(_ fixture: Fixture) throws -> [HostileTarget] {
        try HostileTextTests.calls(fixture.workflow, csr: fixture.csr).map { call in
            let path = call.path.split(separator: "/").map { $0.removingPercentEncoding ?? String($0) }
                .joined(separator: "/")
            return HostileTarget(
                call.name, call.method, path, body: call.body, headers: authorization(call.client),
                fixed: ["web-server", "www", "default"])
        }
    }

    static func reads(_ fixture: Fixture) -> [HostileTarget] {
        let workflow = fixture.workflow
        let base = "/v1/realms/\(workflow.realm)"
        let auth = authorization(workflow.registry)
        let approver =
            (try? workflow.client("approval", as: "ann@test.example", roles: ["approver"]))
            .map(authorization) ?? auth
        let request = fixture.requestID
        let serial = fixture.serial
        func read(_ name: String, _ path: String, _ query: [(String, String)] = [], method: String = "GET")
            -> HostileTarget
        {
            HostileTarget(name, method, path, headers: auth, query: query)
        }
        return [
            read("list realms", "/v1/realms"), read("realm", base), read("policies", "\(base)/policies"),
            read("policy", "\(base)/policies/web-server"), read("versions", "\(base)/policies/web-server/versions"),
            read("version", "\(base)/policies/web-server/versions/1"), read("end entities", "\(base)/end-entities"),
            read("end entity", "\(base)/end-entities/www"), read("realm CAs", "\(base)/cas"),
            read("members", "\(base)/members"), read("member", "\(base)/members/tester@test.example"),
            read("remove member", "\(base)/members/nobody@test.example", method: "DELETE"),
            read("unbind CA", "\(base)/cas/other", method: "DELETE"),
            read("requests", "\(base)/requests", [("state", "issued"), ("limit", "5")]),
            read("request", "\(base)/requests/\(request)"),
            read("request certificate", "\(base)/requests/\(request)/certificate"),
            HostileTarget("approvals", "GET", "\(base)/approvals", headers: approver, query: [("state", "all")]),
            HostileTarget("approval", "GET", "\(base)/approvals/\(request)", headers: approver),
            read(
                "certificates", "\(base)/certificates", [("q", "www"), ("limit", "5"), ("requester", Workflow.subject)]),
            read("certificate", "\(base)/certificates/\(serial)"),
            read("export", "\(base)/certificates/export", [("format", "csv")]),
            read("audit", "/v1/audit/registry"), read("realm audit", "\(base)/audit/intake"),
            read("key bundle (GET)", "\(base)/requests/\(request)/key-bundle", [("format", "pem")]),
        ]
    }

    /// What the CA publishes to anyone: certificate, chain, CRL, OCSP; and the mail links.
    static func publicEndpoints(_ fixture: Fixture) -> [HostileTarget] {
        // RFC 6960 appendix A.1: base64, then URL-encoded (the generator encodes every segment).
        let ocsp = Data(fixture.ocspRequest).base64EncodedString()
        return [
            HostileTarget("CAs", "GET", "/v1/cas"),
            HostileTarget("CA certificate", "GET", "/v1/cas/default/certificate"),
            HostileTarget("CA chain", "GET", "/v1/cas/default/chain"),
            HostileTarget("CRL", "GET", "/v1/cas/default/crl"),
            HostileTarget(
                "OCSP POST", "POST", "/v1/cas/default/ocsp", raw: (fixture.ocspRequest, "application/ocsp-request")),
            HostileTarget("OCSP GET", "GET", "/v1/cas/default/ocsp/\(ocsp)", fixed: [ocsp]),
            HostileTarget("verification link", "GET", "/v1/verify/\(UUID().uuidString)"),
            HostileTarget("verification confirm", "POST", "/v1/verify/\(UUID().uuidString)"),
        ]
    }

    /// The console's routes, and the public API through its proxy with the session cookie.
    static func console(_ fixture: Fixture) -> [HostileTarget] {
        let session = ["Cookie": fixture.consoleCookie, "X-CLM-Console": "1"]
        let base = "/console/api/v1/realms/\(fixture.workflow.realm)"
        let submit = try? HostileTextTests.json(
            SubmitRequestBody(policy: "web-server", entities: ["www"], csr: fixture.csr, validityDays: 30))
        let user = JSONValue.object([
            "subject": .string("fuzz@test.example"),
            "realms": .object([fixture.workflow.realm: .array([.string("requester")])]),
        ])
        return [
            HostileTarget("console page", "GET", "/console/"),
            HostileTarget("console asset", "GET", "/console/static/js/app.js", fixed: ["js", "app.js"]),
            HostileTarget("console session", "GET", "/console/session", headers: session),
            HostileTarget("console login", "GET", "/console/auth/login", query: [("return", "/console/requests")]),
            HostileTarget(
                "console callback", "GET", "/console/auth/callback", query: [("code", "abc"), ("state", "xyz")]),
            HostileTarget("console dev users", "GET", "/console/auth/dev/users"),
            HostileTarget(
                "console dev sign-in", "POST", "/console/auth/dev", body: user, headers: ["X-CLM-Console": "1"]),
            HostileTarget("console proxy: submit", "POST", "\(base)/requests", body: submit, headers: session),
            HostileTarget("console proxy: preview", "POST", "\(base)/requests/preview", body: submit, headers: session),
            HostileTarget(
                "console proxy: certificates", "GET", "\(base)/certificates", headers: session, query: [("q", "www")]),
        ]
    }
}
