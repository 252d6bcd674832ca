import CLMContracts
import CLMIdentity
import CLMServiceKit
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing

@testable import CAGateway

/// The gateway's API in-process: the real routes and use cases over the in-memory store and
/// one test CA, with the principal taken from a test header.
@Suite("CA gateway: the CA and certificate routes")
struct CAGatewayRouteTests {
    typealias Fixtures = CAGatewayFixtures

    static let admin = "root@platform.example"
    static let realmAdmin = "kim@acme.example"
    static let outsider = "eve@other.example"

    static let callers = TestCallers([
        admin: TestCallers.principal(admin, platform: [Principal.platformAdminRole], realms: [:]),
        realmAdmin: TestCallers.principal(realmAdmin, realms: ["acme": ["realm-admin"]]),
        outsider: TestCallers.principal(outsider, realms: ["other": ["requester"]]),
    ])

    static func application(_ store: FakeCAGatewayStore) -> some ApplicationProtocol {
        let router = Router(context: ServiceRequestContext.self)
        router.add(middleware: ProblemMiddleware())
        router.add(middleware: callers)
        let authorities = AuthorityDirectory([Fixtures.authority])
        CAGatewayRoutes(authorities: authorities, store: store).add(to: router)
        RevocationRoutes(authorities: authorities, store: store, ocsp: AnswerOCSP(store: store, validity: 3600))
            .add(to: router)
        InventoryRoutes(store: store, revoke: Fixtures.revoke).add(to: router)
        return Application(router: router)
    }

    static func call(
        _ client: some TestClientProtocol, _ path: String, _ method: HTTPRequest.Method = .get, as subject: String?,
        body: String? = nil
    ) async throws -> TestResponse {
        var headers: HTTPFields = [.contentType: "application/json"]
        if let subject { headers[TestCallers.header] = subject }
        return try await client.execute(
            uri: "/v1/\(path)", method: method, headers: headers, body: body.map { ByteBuffer(string: $0) })
    }

    static func decode<T: Decodable>(_: T.Type, _ response: TestResponse) throws -> T {
        #expect(response.status == .ok && response.headers[.contentType] == "application/json")
        return try ContractCoding.decoder().decode(T.self, from: Data(buffer: response.body))
    }

    /// The problem document of `response`, which must have `status`.
    static func problem(
        _ response: TestResponse, _ status: HTTPResponse.Status, sourceLocation: SourceLocation = #_sourceLocation
    ) throws -> ProblemRouteTests.Document {
        #expect(response.status == status, sourceLocation: sourceLocation)
        return try ProblemRouteTests.problem(response)
    }

    static func setAvailability(
        _ client: some TestClientProtocol, as subject: String, ca: String = "default", _ body: String
    )
        async throws -> TestResponse
    {
        try await call(client, "cas/\(ca)/availability", .put, as: subject, body: body)
    }

    @Test("any caller lists the CAs with their availability and gets a chain as PEM; unknown CA 404, no token 401")
    func authorities() async throws {
        let store = FakeCAGatewayStore()
        let authority = Fixtures.authority
        try await Self.application(store).test(.router) { client in
            let listed = try Self.decode([AuthorityView].self, try await Self.call(client, "cas", as: Self.outsider))
            #expect(
                listed == [
                    AuthorityView(
                        name: "default", subject: authority.issuing.subject,
                        key: authority.issuingKeySpec.description, notAfter: authority.issuing.notAfter,
                        rootFingerprintSHA256: authority.root.fingerprintSHA256Hex, available: true,
                        unavailableReason: nil)
                ])

            let chain = try await Self.call(client, "cas/default/chain", as: Self.outsider)
            #expect(chain.status == .ok && chain.headers[.contentType] == "application/pem-certificate-chain")
            #expect(String(buffer: chain.body) == authority.chainPEM)

            let unknown = try await Self.call(client, "cas/nope/chain", as: Self.outsider)
            #expect(try Self.problem(unknown, .notFound).detail == "CA 'nope' not found")
            let anonymous = try await Self.call(client, "cas", as: nil)
            #expect(try Self.problem(anonymous, .unauthorized).code == "unauthenticated")
        }
    }

    @Test("a platform admin takes a CA out of service with a reason and back; both are audited, retries resume")
    func availability() async throws {
        let store = FakeCAGatewayStore()
        try await Self.application(store).test(.router) { client in
            let suspended = try await Self.setAvailability(
                client, as: Self.admin, #"{"available":false,"reason":"HSM maintenance"}"#)
            let out = try Self.decode(AuthorityView.self, suspended)
            #expect(out.name == "default" && !out.available && out.unavailableReason == "HSM maintenance")
            #expect(store.suspended == ["default": "HSM maintenance"])
            let listed = try Self.decode([AuthorityView].self, try await Self.call(client, "cas", as: Self.realmAdmin))
            #expect(listed.map(\.unavailableReason) == ["HSM maintenance"])

            let resumed = try await Self.setAvailability(client, as: Self.admin, #"{"available":true}"#)
            let back = try Self.decode(AuthorityView.self, resumed)
            #expect(back.available && back.unavailableReason == nil)
        }
        #expect(store.suspended.isEmpty && store.resumed == ["default"])
        #expect(store.audits == ["ca.suspended ca/default HSM maintenance", "ca.resumed ca/default "])
    }

    @Test("availability: a non-admin is 403, no reason 400, a malformed body 400, one over 4 KiB 413, unknown CA 404")
    func availabilityRefusals() async throws {
        let store = FakeCAGatewayStore()
        try await Self.application(store).test(.router) { client in
            let body = #"{"available":false,"reason":"incident"}"#
            let realmAdmin = try await Self.setAvailability(client, as: Self.realmAdmin, body)
            let forbidden = try Self.problem(realmAdmin, .forbidden)
            #expect(forbidden.code == "forbidden" && forbidden.detail == "operateCA needs the role platform-admin")

            let unsaid = try Self.problem(
                try await Self.setAvailability(client, as: Self.admin, #"{"available":false}"#), .badRequest)
            #expect(unsaid.code == "missing-field" && unsaid.detail == "reason: say why the CA is taken out of service")
            let typed = try Self.problem(
                try await Self.setAvailability(client, as: Self.admin, #"{"available":"no"}"#), .badRequest)
            #expect(typed.code == "malformed-body" && typed.detail == "field 'available' must be Bool")
            let huge = #"{"available":false,"reason":"\#(String(repeating: "x", count: 5000))"}"#
            let tooLarge = try Self.problem(
                try await Self.setAvailability(client, as: Self.admin, huge), .contentTooLarge)
            #expect(tooLarge.code == "body-too-large" && tooLarge.detail == "body exceeds 4096 bytes")
            let unknown = try await Self.setAvailability(client, as: Self.admin, ca: "nope", body)
            #expect(try Self.problem(unknown, .notFound).detail == "CA 'nope' not found")
        }
        #expect(store.suspended.isEmpty && store.audits.isEmpty && store.resumed.isEmpty)
    }

    static func certificate(realm: String, serial: String) -> IssuedCertificate {
        IssuedCertificate(
            ca: "default", serialNumber: serial, request: UUID(), realm: realm, subject: "CN=\(serial).\(realm)",
            notBefore: Date(timeIntervalSince1970: 1_800_000_000), notAfter: Date(timeIntervalSince1970: 1_807_776_000),
            pem: "PEM", requester: "alice@acme.example", policy: "web-server", policyVersion: 1, entities: ["www"],
            alternativeNames: ["dns:\(serial).\(realm)"])
    }

    @Test("a realm's certificates are listed to its members, 1...1000 a page; a foreign realm is 404, even to an admin")
    func certificates() async throws {
        let store = FakeCAGatewayStore()
        let issued = [
            Self.certificate(realm: "acme", serial: "01"), Self.certificate(realm: "acme", serial: "02"),
            Self.certificate(realm: "other", serial: "03"),
        ]
        try await store.transaction(logger: .init(label: "test")) { tx in
            for certificate in issued { try await tx.recordCertificate(certificate) }
        }
        try await Self.application(store).test(.router) { client in
            let listed = try Self.decode(
                CertificatePage.self, try await Self.call(client, "realms/acme/certificates", as: Self.realmAdmin)
            ).certificates
            #expect(listed.map(\.serialNumber) == ["01", "02"])
            #expect(listed.map(\.request) == issued.prefix(2).map(\.request))
            #expect(
                listed.allSatisfy { $0.ca == "default" && $0.notAfter == Date(timeIntervalSince1970: 1_807_776_000) })
            #expect(listed.first?.subject == "CN=01.acme")
            let tooMany = try await Self.call(client, "realms/acme/certificates?limit=5000", as: Self.realmAdmin)
            #expect(try Self.problem(tooMany, .badRequest).detail == "limit: 1...1000")
            _ = try await Self.call(client, "realms/acme/certificates?limit=1000", as: Self.realmAdmin)

            let foreign = try await Self.call(client, "realms/acme/certificates", as: Self.outsider)
            #expect(try Self.problem(foreign, .notFound).detail == "realm 'acme' not found")
            let admin = try await Self.call(client, "realms/acme/certificates", as: Self.admin)
            #expect(try Self.problem(admin, .notFound).code == "not-found")
        }
        #expect(store.certificateLimits == [100, 1000])
    }
}
