import CLMServiceKit
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing

/// A JSON body must be declared as JSON (or not declared): anything else is a 415 before the
/// body is read.
@Suite("JSON bodies and their Content-Type")
struct JSONMediaTypeRouteTests {
    static func post(_ client: some TestClientProtocol, type: String?) async throws -> TestResponse {
        var headers = HTTPFields()
        if let type { headers[.contentType] = type }
        return try await client.execute(
            uri: "/v1/realms", method: .post, headers: headers,
            body: ByteBuffer(string: #"{"id":"acme","displayName":"ACME"}"#))
    }

    @Test("application/json, +json types, UTF-8 and no Content-Type are read")
    func accepted() async throws {
        try await TextRuleRouteTests.application().test(.router) { client in
            for type in [
                nil, "application/json", "APPLICATION/JSON", "application/json; charset=utf-8",
                "application/json;charset=\"UTF-8\"", "application/merge-patch+json", "application/problem+json",
            ] {
                let response = try await Self.post(client, type: type)
                #expect(response.status == .ok, "\(type ?? "none")")
            }
        }
    }

    @Test("other types, other charsets and malformed parameters are a 415 unsupported-media-type")
    func refused() async throws {
        try await TextRuleRouteTests.application().test(.router) { client in
            for type in [
                "text/plain", "application/xml", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x",
                "application/json; charset=iso-8859-1", "application/json-seq", "*/*", "garbage", "",
                "application/json;;", "application/jsonx", "text/json",
            ] {
                let response = try await Self.post(client, type: type)
                #expect(response.status == .unsupportedMediaType, "\(type)")
                if response.status == .unsupportedMediaType {
                    let problem = try ProblemRouteTests.problem(response)
                    #expect(problem.code == "unsupported-media-type", "\(type)")
                }
            }
        }
    }
}
