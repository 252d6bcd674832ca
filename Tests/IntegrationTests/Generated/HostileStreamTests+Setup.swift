import CLMClient
import CLMContracts
import Foundation
import Testing

extension HostileStreamTests {
    /// The five services, the console (development sign-in) and the nginx edge in front, as a
    /// user meets them; `body` gets the edge.
    static func withEdgedStack(
        _ environment: TestEnvironment, _ body: (TestStack, ServiceProcess, EdgeProxy) async throws -> Void
    ) async throws {
        let work = try temporaryDirectory()
        let edge = try EdgeProxy(directory: work.appendingPathComponent("edge"))
        try await TestStack.with(environment) { stack in
            stack["approval"].setEnvironment("CLM_PUBLIC_URL", edge.baseURL.absoluteString)
            stack["ca-gateway"].setEnvironment("CLM_PUBLIC_URL", edge.baseURL.absoluteString)
            let console = try ServiceProcess(
                name: "console", environment: environment, database: stack.database, topicPrefix: stack.topicPrefix,
                extra: [
                    "CLM_CONSOLE_API_URL": edge.baseURL.absoluteString,
                    "CLM_CONSOLE_PUBLIC_URL": edge.baseURL.absoluteString,
                    "CLM_CONSOLE_DEV_SIGN_IN": "true", "CLM_CONSOLE_DEV_IDP_DIR": TestIdentity.directory.path,
                ])
            try await stack.start()
            do {
                try await console.start()
                try await edge.start(
                    template: environment.repoRoot.appendingPathComponent("deploy/nginx/clm.conf.template"),
                    upstreams: EdgeProxy.upstreams(stack, consolePort: console.port))
                try await body(stack, console, edge)
                await edge.stop()
                await console.stop()
            } catch {
                await edge.stop()
                await console.stop()
                throw error
            }
        }
    }

    /// A realm with one issued certificate, an OCSP request for it and a console session.
    static func fixture(_ stack: TestStack, edge: EdgeProxy) async throws -> HostileTargets.Fixture {
        let workflow = try await Workflow.prepare(stack)
        let directory = try temporaryDirectory()
        let csr = try OpenSSL.hostileCSR(directory: directory)
        let requestID = try await workflow.submit(csr: csr)
        let issued = try await workflow.waitForFinalState(requestID)
        let serial = try #require(issued.serialNumber, "the fixture's request ended \(issued.state)")

        let client = CLMClient(baseURL: edge.baseURL, timeout: 10)
        let issuer = try await client.send("GET", "/v1/cas/default/certificate")
        let issuerFile = directory.appendingPathComponent("issuer.der")
        try issuer.body.write(to: issuerFile)
        let requestFile = directory.appendingPathComponent("ocsp.der")
        let made = try run(
            OpenSSL.path,
            ["ocsp", "-issuer", issuerFile.path, "-serial", "0x\(serial)", "-no_nonce", "-reqout", requestFile.path])
        // openssl reads the issuer as PEM or DER by content; a failure names itself here.
        let ocsp = try #require(try? Data(contentsOf: requestFile), "openssl ocsp: \(made.stderr)")

        let user =
            #"{"subject":"\#(Workflow.subject)","platformAdmin":true,"realms":{"\#(workflow.realm)":["realm-admin","requester","auditor"]}}"#
        let signIn = try await client.send(
            "POST", "/console/auth/dev", body: Data(user.utf8), headers: ["X-CLM-Console": "1"])
        let cookie = try #require(
            signIn.headers["set-cookie"]?.split(separator: ";").first.map(String.init),
            "development sign-in answered \(signIn.status): \(signIn.text.prefix(200))")
        return HostileTargets.Fixture(
            workflow: workflow, csr: csr, requestID: requestID, serial: serial, ocspRequest: Array(ocsp),
            consoleCookie: cookie)
    }

    /// Rows of the tables a refused request must not touch.
    static let dataTables = [
        "registry.realms", "registry.policies", "registry.end_entities", "registry.realm_members", "intake.requests",
        "approval.votes", "ca_gateway.revocations",
    ]

    static func counts(_ stack: TestStack) throws -> [String: Int] {
        var counts: [String: Int] = [:]
        for table in dataTables {
            counts[table] = Int(try stack.database.scalar("SELECT count(*) FROM \(table)")) ?? -1
        }
        return counts
    }

    /// Each service, the console and the edge live and ready, none with an unhandled error.
    static func expectReady(_ stack: TestStack, console: ServiceProcess, edge: EdgeProxy) async throws {
        try await HostileTextTests.expectHealthy(stack)
        for name in TestStack.names {
            let ready = try await stack.client(name, token: nil).send("GET", "/health/ready")
            #expect(ready.status == 200, "\(name) not ready afterwards: \(ready.text.prefix(200))")
        }
        let consoleClient = CLMClient(baseURL: console.baseURL, timeout: 10)
        #expect(try await consoleClient.send("GET", "/health/ready").status == 200, "the console is not ready")
        #expect(!console.log.contains("Fatal error"), "the console trapped")
        let health = try await CLMClient(baseURL: edge.baseURL, timeout: 10).send("GET", "/edge/health")
        #expect(health.status == 200, "the edge is not answering")
    }
}
