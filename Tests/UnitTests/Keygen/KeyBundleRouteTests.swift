import CLMContracts
import CLMIdentity
import CLMServiceKit
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing

@testable import Keygen

/// `POST /v1/realms/{realm}/requests/{id}/key-bundle` in-process: the real route and use case
/// over the in-memory keygen store, with the principal taken from a test header.
@Suite("Keygen: the key bundle route")
struct KeyBundleRouteTests {
    typealias Download = KeygenDownloadKeyBundleTests

    static let approver = "bob@test.example"
    static let otherRequester = "mallory@test.example"
    static let outsider = "eve@test.example"

    static let callers = TestCallers(realmRoles: [
        (Download.requester, [Download.realm: Set(["requester"])]),
        (approver, [Download.realm: ["approver"]]),
        (otherRequester, [Download.realm: ["requester"]]),
        (outsider, ["other": ["requester"]]),
    ])

    static func application(_ store: FakeKeygenStore) -> some ApplicationProtocol {
        let router = Router(context: ServiceRequestContext.self)
        router.add(middleware: ProblemMiddleware())
        router.add(middleware: callers)
        KeyBundleRoutes(download: Download.useCase(store)).add(to: router)
        return Application(router: router)
    }

    static func post(
        _ client: some TestClientProtocol, _ id: String, body: String, as subject: String? = Download.requester,
        query: String = "", realm: String = Download.realm
    ) async throws -> TestResponse {
        var headers: HTTPFields = [.contentType: "application/json"]
        if let subject { headers[TestCallers.header] = subject }
        return try await client.execute(
            uri: "/v1/realms/\(realm)/requests/\(id)/key-bundle\(query)", method: .post, headers: headers,
            body: ByteBuffer(string: body))
    }

    /// The problem document of `response`, which must have `status`.
    static func problem(
        _ response: TestResponse, _ status: HTTPResponse.Status, sourceLocation: SourceLocation = #_sourceLocation
    ) throws -> ProblemRouteTests.Document {
        #expect(response.status == status, sourceLocation: sourceLocation)
        return try ProblemRouteTests.problem(response)
    }

    static let rightPassword = #"{"password":"\#(Download.password)"}"#

    @Test("the right password answers 200 with the PKCS#12 bundle as an attachment; a second download is 410")
    func downloads() async throws {
        let (store, id) = await Download.issuedKey()
        try await Self.application(store).test(.router) { client in
            let response = try await Self.post(client, id.uuidString, body: Self.rightPassword)
            #expect(response.status == .ok)
            #expect(response.headers[.contentType] == "application/x-pkcs12")
            #expect(response.headers[.cacheControl] == "no-store")
            #expect(
                response.headers[.contentDisposition] == "attachment; filename=\"\(id.lowercasedString).p12\"")
            #expect(String(buffer: response.body) == "pkcs12:\(id.lowercasedString):CERT")
            #expect(await store.tables.keys[id]?.stored.state == .destroyed(.downloaded))

            let again = try await Self.post(client, id.uuidString, body: Self.rightPassword)
            #expect(again.status == .gone)
            #expect(try ProblemRouteTests.problem(again).code == "key-destroyed")
        }
    }

    @Test("format=pem answers a PEM file; an unknown format is a 400 invalid-query")
    func formats() async throws {
        let (store, id) = await Download.issuedKey(verifier: nil)
        try await Self.application(store).test(.router) { client in
            let unknown = try await Self.post(client, id.uuidString, body: "{}", query: "?format=zip")
            #expect(unknown.status == .badRequest)
            let problem = try ProblemRouteTests.problem(unknown)
            #expect(problem.code == "invalid-query" && problem.detail == "format: must be pkcs12 or pem")

            let pem = try await Self.post(client, id.uuidString, body: "{}", query: "?format=pem")
            #expect(pem.status == .ok)
            #expect(pem.headers[.contentType] == "application/x-pem-file")
            #expect(pem.headers[.contentDisposition] == "attachment; filename=\"\(id.lowercasedString).pem\"")
            #expect(String(buffer: pem.body) == "pem:\(id.lowercasedString):CERT")
        }
    }

    @Test("malformed bodies are 400 malformed-body, one over 4 KiB a 413, bad passwords 400 before any claim")
    func badBodies() async throws {
        let (store, id) = await Download.issuedKey()
        try await Self.application(store).test(.router) { client in
            let typed = try await Self.post(client, id.uuidString, body: #"{"password":42}"#)
            #expect(typed.status == .badRequest)
            let mismatch = try ProblemRouteTests.problem(typed)
            #expect(mismatch.code == "malformed-body" && mismatch.detail == "field 'password' must be String")

            let garbage = try await Self.post(client, id.uuidString, body: "not json")
            #expect(garbage.status == .badRequest)
            #expect(
                try ProblemRouteTests.problem(garbage).detail
                    == "body is not valid JSON: invalid literal at offset 0")

            let large = #"{"password":"\#(String(repeating: "x", count: 5000))"}"#
            let tooLarge = try await Self.post(client, id.uuidString, body: large)
            #expect(tooLarge.status == .contentTooLarge)
            let problem = try ProblemRouteTests.problem(tooLarge)
            #expect(problem.code == "body-too-large" && problem.detail == "body exceeds 4096 bytes")

            let missing = try await Self.post(client, id.uuidString, body: "{}")
            #expect(try Self.problem(missing, .badRequest).code == "missing-password")
            let weak = try await Self.post(client, id.uuidString, body: #"{"password":"short"}"#)
            #expect(try Self.problem(weak, .badRequest).code == "weak-password")
        }
        #expect(await store.tables.claims == 0)
        #expect(await store.tables.keys[id]?.stored.state == .issued)
    }

    @Test("an approver is 403; a foreign realm, a malformed or unknown id and another requester are 404")
    func access() async throws {
        let (store, id) = await Download.issuedKey()
        try await Self.application(store).test(.router) { client in
            let approver = try await Self.post(client, id.uuidString, body: Self.rightPassword, as: Self.approver)
            #expect(approver.status == .forbidden)
            let forbidden = try ProblemRouteTests.problem(approver)
            #expect(forbidden.code == "forbidden" && forbidden.detail == "downloadKey needs the role requester")

            let foreign = try await Self.post(client, id.uuidString, body: Self.rightPassword, as: Self.outsider)
            #expect(foreign.status == .notFound)
            #expect(try ProblemRouteTests.problem(foreign).detail == "realm 'r1' not found")

            let malformed = try await Self.post(client, "nope", body: Self.rightPassword)
            #expect(malformed.status == .notFound)
            #expect(try ProblemRouteTests.problem(malformed).detail == "request 'nope' not found")

            let unknown = try await Self.post(client, UUID().uuidString, body: Self.rightPassword)
            #expect(try Self.problem(unknown, .notFound).code == "not-found")

            let other = try await Self.post(client, id.uuidString, body: Self.rightPassword, as: Self.otherRequester)
            #expect(try Self.problem(other, .notFound).code == "not-found")

            let anonymous = try await Self.post(client, id.uuidString, body: Self.rightPassword, as: nil)
            #expect(anonymous.status == .unauthorized)
            #expect(try ProblemRouteTests.problem(anonymous).code == "unauthenticated")
        }
        let tables = await store.tables
        #expect(tables.keys[id]?.stored.state == .issued && tables.published.isEmpty)
        #expect(tables.failedDownloads[id, default: 0] == 0 && tables.audits.isEmpty)
    }

    @Test("each wrong password is a 403 wrong-password audited with its attempt; then 429 with Retry-After 3600")
    func wrongPasswords() async throws {
        let (store, id) = await Download.issuedKey()
        try await Self.application(store).test(.router) { client in
            for guess in 1...DownloadAttempts.limit {
                let response = try await Self.post(
                    client, id.uuidString, body: #"{"password":"wrong guess \#(guess)"}"#)
                #expect(response.status == .forbidden)
                let problem = try ProblemRouteTests.problem(response)
                #expect(problem.code == "wrong-password" && problem.type == "/problems/wrong-password")
                #expect(await store.tables.audits.last?.details == "wrong password (attempt \(guess) of 5)")
            }
            let locked = try await Self.post(client, id.uuidString, body: Self.rightPassword)
            #expect(locked.status == .tooManyRequests)
            #expect(locked.headers[.retryAfter] == "3600")
            #expect(try ProblemRouteTests.problem(locked).code == "rate-limited")
        }
        let tables = await store.tables
        #expect(tables.failedDownloads[id] == 5 && tables.audits.count == 5)
        #expect(tables.keys[id]?.stored.state == .issued, "the key is still there")
    }

    @Test("a key without its certificate yet is a 409 not-issued with Retry-After 2")
    func notIssued() async throws {
        let (store, id) = await Download.issuedKey(certificate: nil)
        try await Self.application(store).test(.router) { client in
            let response = try await Self.post(client, id.uuidString, body: Self.rightPassword)
            #expect(response.status == .conflict)
            #expect(response.headers[.retryAfter] == "2")
            #expect(try ProblemRouteTests.problem(response).code == "not-issued")
        }
        #expect(await store.tables.failedDownloads[id, default: 0] == 0)
    }
}
