import CLMContracts
import CLMServiceKit
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing

/// The rule for text over HTTP, in-process: every body that `decodeJSON` reads and every query
/// parameter (`QueryTextMiddleware`) is judged before a route sees it, as a 422 problem
/// document `invalid-text` naming the field.
@Suite("The rule for text over HTTP")
struct TextRuleRouteTests {
    static func application() -> some ApplicationProtocol {
        let router = Router(context: ServiceRequestContext.self)
        router.add(middleware: ProblemMiddleware())
        router.add(middleware: QueryTextMiddleware())
        router.post("v1/realms") { request, _ -> String in
            let body = try await request.decodeJSON(CreateRealmBody.self, limit: 16 * 1024)
            return body.displayName
        }
        router.post("v1/entities") { request, _ -> String in
            try await request.decodeJSON(EndEntity.self, limit: 64 * 1024).id
        }
        router.get("v1/search") { request, _ -> String in request.uri.queryParameters.get("q") ?? "" }
        return Application(router: router)
    }

    static func post(_ client: some TestClientProtocol, _ path: String, _ body: [UInt8]) async throws -> TestResponse {
        try await client.execute(
            uri: path, method: .post, headers: [.contentType: "application/json"], body: ByteBuffer(bytes: body))
    }

    @Test("a NUL or a C0 control in displayName is a 422 invalid-text naming displayName; the route never runs")
    func displayName() async throws {
        try await Self.application().test(.router) { client in
            for (name, text) in [("NUL", #"\u0000"#), ("ESC", #"\u001b"#), ("DEL", #"\u007f"#), ("U+FFFF", #"\uffff"#)]
            {
                let body = #"{"id":"acme","displayName":"ACME \#(text) Inc"}"#
                let response = try await Self.post(client, "/v1/realms", Array(body.utf8))
                #expect(response.status == .unprocessableContent, "\(name)")
                let problem = try ProblemRouteTests.problem(response)
                #expect(problem.code == "invalid-text" && problem.type == "/problems/invalid-text")
                #expect(problem.detail.hasPrefix("displayName: contains U+"), "\(problem.detail)")
                #expect(problem.violations?.first == problem.detail)
            }
            let fine = try await Self.post(client, "/v1/realms", Array(#"{"id":"acme","displayName":"A\tB"}"#.utf8))
            #expect(fine.status == .ok && String(buffer: fine.body) == "A\tB")
        }
    }

    @Test("nested fields, arrays, member names, raw bytes and invalid UTF-8 name their path")
    func paths() async throws {
        try await Self.application().test(.router) { client in
            let cases: [(String, [UInt8], String)] = [
                (
                    "attribute", Array(#"{"id":"e","kind":"service","attributes":{"commonName":"a\u0000"}}"#.utf8),
                    "attributes.commonName:"
                ),
                (
                    "array", Array(#"{"id":"e","kind":"service","attributes":{"dnsNames":["a","b\u0001"]}}"#.utf8),
                    "attributes.dnsNames[1]:"
                ),
                ("member name", Array(#"{"id":"e","kind":"service","attr\u0000":1}"#.utf8), "body: a member name"),
                ("raw NUL", Array(#"{"id":"e\#u{0}"}"#.utf8), "id: unescaped control character U+0000"),
                (
                    "invalid UTF-8", Array(#"{"id":""#.utf8) + [0xFF] + Array(#""}"#.utf8),
                    "id: string is not valid UTF-8"
                ),
                ("lone surrogate", Array(#"{"id":"\ud800"}"#.utf8), "id: unpaired surrogate"),
            ]
            for (name, body, prefix) in cases {
                let response = try await Self.post(client, "/v1/entities", body)
                #expect(response.status == .unprocessableContent, "\(name)")
                let detail = try ProblemRouteTests.problem(response).detail
                #expect(detail.hasPrefix(prefix), "\(name): \(detail)")
            }
        }
    }

    @Test("not JSON, duplicate members or too deep: 400 malformed-body; a string over 4 KiB: 422")
    func malformed() async throws {
        try await Self.application().test(.router) { client in
            let deep = String(repeating: "[", count: 100) + String(repeating: "]", count: 100)
            for body in ["{oops", #"{"id":"a","id":"b","displayName":"x"}"#, deep, ""] {
                let response = try await Self.post(client, "/v1/realms", Array(body.utf8))
                #expect(response.status == .badRequest, "\(body.prefix(20))")
                let problem = try ProblemRouteTests.problem(response)
                #expect(problem.code == "malformed-body" && problem.detail.hasPrefix("body is not valid JSON: "))
            }
            let long = #"{"id":"acme","displayName":"\#(String(repeating: "x", count: 5000))"}"#
            let response = try await Self.post(client, "/v1/realms", Array(long.utf8))
            #expect(response.status == .unprocessableContent)
            #expect(
                try ProblemRouteTests.problem(response).detail
                    == "displayName: is 5000 bytes long (UTF-8), at most 4096 allowed")
        }
    }

    @Test("a query parameter with a NUL or bad percent-encoding is a 422 naming query.<name>")
    func query() async throws {
        try await Self.application().test(.router) { client in
            let fine = try await client.execute(uri: "/v1/search?q=caf%C3%A9", method: .get)
            #expect(fine.status == .ok && String(buffer: fine.body) == "café")
            for (query, prefix) in [
                ("q=a%00b", "query.q: contains U+0000"), ("limit=1&q=%1B", "query.q: contains U+001B"),
                ("q=%FF", "query.q: is not valid UTF-8"), ("q=%G0", "query.q: is not valid percent-encoding"),
                ("x%00=1", "query: a parameter name contains U+0000"),
            ] {
                let response = try await client.execute(uri: "/v1/search?\(query)", method: .get)
                #expect(response.status == .unprocessableContent, "\(query)")
                let problem = try ProblemRouteTests.problem(response)
                #expect(problem.code == "invalid-text" && problem.detail.hasPrefix(prefix), "\(problem.detail)")
            }
        }
    }
}
