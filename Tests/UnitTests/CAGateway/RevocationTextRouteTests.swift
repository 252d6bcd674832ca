import CLMContracts
import Foundation
import Hummingbird
import HummingbirdTesting
import Testing

@testable import CAGateway

/// The rule for text on the real revoke route: a control character in the comment is a 422
/// naming `comment`, and nothing is revoked.
@Suite("CA gateway: the rule for text")
struct RevocationTextRouteTests {
    typealias Routes = CAGatewayRouteTests

    @Test("a revoke comment with U+0000 or U+0008 is 422 invalid-text naming comment; nothing revoked")
    func comment() async throws {
        let (store, serial) = try await RevocationRouteTests.store()
        let path = "realms/acme/certificates/\(serial)/revoke"
        try await RevocationRouteTests.application(store).test(.router) { client in
            for text in [#"\u0000"#, #"\b"#, #"\u0085"#] {
                let body = #"{"reason":"keyCompromise","comment":"stolen \#(text)"}"#
                let answer = try await Routes.call(client, path, .post, as: RevocationRouteTests.requester, body: body)
                let problem = try Routes.problem(answer, .unprocessableContent)
                #expect(problem.code == "invalid-text" && problem.detail.hasPrefix("comment: contains U+"))
            }
            #expect(store.revocations.isEmpty)
        }
    }
}
