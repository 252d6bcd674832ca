import CLMContracts
import CLMCrypto
import CLMIdentity
import CLMServiceKit
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing

@testable import CAGateway

/// The revocation endpoints in-process: revoke (status codes and who), and what relying parties
/// fetch, hostile OCSP bodies of every size included.
@Suite("CA gateway: revocation routes")
struct RevocationRouteTests {
    typealias Routes = CAGatewayRouteTests
    static let requester = "rita@acme.example"
    static let otherRequester = "bob@acme.example"
    static let auditor = "aud@acme.example"

    static let callers = TestCallers([
        requester: TestCallers.principal(requester, realms: ["acme": ["requester"]]),
        otherRequester: TestCallers.principal(otherRequester, realms: ["acme": ["requester"]]),
        auditor: TestCallers.principal(auditor, realms: ["acme": ["auditor"]]),
        Routes.outsider: TestCallers.principal(Routes.outsider, realms: ["other": ["realm-admin"]]),
    ])

    static func application(_ store: FakeCAGatewayStore) -> some ApplicationProtocol {
        let router = Router(context: ServiceRequestContext.self)
        router.add(middleware: ProblemMiddleware())
        router.add(middleware: callers)
        let authorities = AuthorityDirectory([CAGatewayFixtures.authority])
        RevocationRoutes(authorities: authorities, store: store, ocsp: AnswerOCSP(store: store, validity: 3600))
            .add(to: router)
        InventoryRoutes(store: store, revoke: CAGatewayFixtures.revoke).add(to: router)
        return Application(router: router)
    }

    /// A store with one certificate of rita's, and its serial.
    static func store() async throws -> (FakeCAGatewayStore, String) {
        let store = FakeCAGatewayStore()
        var order = CAGatewayFixtures.submitted(keySource: .csr)
        order.requester = requester
        let leaf = try CAGatewayFixtures.authority.issue(order)
        try await store.transaction(logger: .init(label: "test")) {
            try await $0.recordCertificate(IssuedCertificate(leaf, by: "default", for: order))
        }
        return (store, leaf.serialNumberHex)
    }

    @Test(
        "revoke: 201 then 200 with the same body; another requester 403, auditor 403, stranger 404, bad bodies 400/413")
    func revoke() async throws {
        let (store, serial) = try await Self.store()
        let path = "realms/acme/certificates/\(serial)/revoke"
        let body = #"{"reason":"keyCompromise","comment":"stolen"}"#
        try await Self.application(store).test(.router) { client in
            let other = try await Routes.call(client, path, .post, as: Self.otherRequester, body: body)
            #expect(try Routes.problem(other, .forbidden).code == "not-requester")
            let auditor = try await Routes.call(client, path, .post, as: Self.auditor, body: body)
            #expect(try Routes.problem(auditor, .forbidden).code == "forbidden")
            // A stranger is judged before the body is read: garbage is the same 404.
            let stranger = try await Routes.call(client, path, .post, as: Routes.outsider, body: "{")
            #expect(try Routes.problem(stranger, .notFound).detail == "realm 'acme' not found")
            let hold = try await Routes.call(
                client, path, .post, as: Self.requester, body: #"{"reason":"certificateHold"}"#)
            #expect(hold.status == .badRequest)
            let huge = #"{"reason":"superseded","comment":"\#(String(repeating: "x", count: 9000))"}"#
            #expect(
                try await Routes.call(client, path, .post, as: Self.requester, body: huge).status == .contentTooLarge)
            let badSerial = try await Routes.call(
                client, "realms/acme/certificates/not-hex/revoke", .post, as: Self.requester, body: body)
            #expect(try Routes.problem(badSerial, .badRequest).code == "invalid-serial")
            #expect(store.revocations.isEmpty)

            let first = try await Routes.call(client, path, .post, as: Self.requester, body: body)
            #expect(first.status == .created)
            let again = try await Routes.call(
                client, path, .post, as: Self.requester, body: #"{"reason":"superseded"}"#)
            #expect(again.status == .ok && again.body == first.body)
            let view = try ContractCoding.decoder().decode(RevocationView.self, from: Data(buffer: first.body))
            #expect(view.reason == .keyCompromise && view.serialNumber == serial && view.revokedBy == Self.requester)
        }
    }

    @Test("CRL (DER, PEM on Accept) and the CA certificate answer without a token; an unknown CA is 404")
    func publicDocuments() async throws {
        let (store, _) = try await Self.store()
        _ = try await store.transaction(logger: .init(label: "test")) {
            try await CAGatewayFixtures.revoke.signer.sign(CAGatewayFixtures.authority, in: $0)
        }
        try await Self.application(store).test(.router) { client in
            let der = try await client.execute(uri: "/v1/cas/default/crl", method: .get)
            #expect(der.status == .ok && der.headers[.contentType] == "application/pkix-crl")
            let list = try RevocationList(der: Array(buffer: der.body))
            #expect(list.isSigned(by: CAGatewayFixtures.authority.issuing) && der.headers[.eTag] == "\"crl-1\"")
            let pem = try await client.execute(
                uri: "/v1/cas/default/crl", method: .get, headers: [.accept: "application/x-pem-file"])
            #expect(String(buffer: pem.body).hasPrefix("-----BEGIN X509 CRL-----"))
            let certificate = try await client.execute(uri: "/v1/cas/default/certificate", method: .get)
            #expect(Array(buffer: certificate.body) == CAGatewayFixtures.authority.issuing.der)
            #expect(try await client.execute(uri: "/v1/cas/nope/crl", method: .get).status == .notFound)
        }
    }

    @Test("OCSP: every hostile body, from empty to over 64 KiB, is a malformedRequest response, never an error page")
    func hostileOCSP() async throws {
        let (store, _) = try await Self.store()
        var bodies: [[UInt8]] = (0...300).map { size in (0..<size).map { _ in UInt8.random(in: 0...255) } }
        bodies += (0...64).map { Array(repeating: 0x30, count: $0) }  // nested SEQUENCE headers
        bodies += [Array(repeating: 0x41, count: 70_000), [0x30, 0x84, 0xFF, 0xFF, 0xFF, 0xFF]]
        let hostile = bodies
        try await Self.application(store).test(.router) { client in
            for body in hostile {
                let answer = try await client.execute(
                    uri: "/v1/cas/default/ocsp", method: .post, headers: [.contentType: "application/ocsp-request"],
                    body: ByteBuffer(bytes: body))
                #expect(answer.status == .ok && answer.headers[.contentType] == "application/ocsp-response")
                #expect(Array(buffer: answer.body) == [0x30, 0x03, 0x0A, 0x01, 0x01], "\(body.count) bytes")
            }
            for path in ["/v1/cas/default/ocsp/%%%", "/v1/cas/default/ocsp/AAAA/BBBB", "/v1/cas/default/ocsp/MA=="] {
                let answer = try await client.execute(uri: path, method: .get)
                #expect(Array(buffer: answer.body) == [0x30, 0x03, 0x0A, 0x01, 0x01], "\(path)")
            }
        }
    }

    @Test("the OCSP GET form decodes URL-encoded base64 that spans path segments")
    func getForm() {
        let request: [UInt8] = [0x30, 0x08, 0x00, 0xFB, 0xEF, 0xBE, 0xFF, 0xFF, 0xFF, 0x01]
        let encoded = Data(request).base64EncodedString()  // contains '+', '/' and '='
        #expect(encoded.contains("/") && encoded.contains("+"))
        let escaped = encoded.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? ""
        #expect(RevocationRoutes.getFormRequest("/v1/cas/default/ocsp/\(escaped)") == request)
        #expect(RevocationRoutes.getFormRequest("/v1/cas/default/ocsp/\(encoded)") == request)
        #expect(RevocationRoutes.getFormRequest("/v1/cas/default/ocsp/!!") == nil)
    }
}
