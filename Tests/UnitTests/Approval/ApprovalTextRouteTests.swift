import CLMContracts
import Foundation
import Hummingbird
import HummingbirdTesting
import Testing

@testable import Approval

/// The rule for text on the real approval routes: a NUL or another control character in a
/// decline reason or an approval comment is a 422 naming the field, and no vote is recorded.
@Suite("Approval: the rule for text")
struct ApprovalTextRouteTests {
    typealias Routes = ApprovalRouteTests

    @Test("decline reason and approve comment with U+0000 or U+001B: 422 invalid-text naming the field, no vote")
    func votes() async throws {
        let (storage, id) = try await Routes.waiting()
        try await Routes.application(storage).test(.router) { client in
            for text in [#"\u0000"#, #"\u001b[2J"#, "raw \u{7}"] {
                let decline = try await Routes.vote(
                    client, id, "decline", as: Routes.bob, body: #"{"reason":"wrong \#(text) CN"}"#)
                let declined = try Routes.problem(decline, .unprocessableContent)
                #expect(declined.code == "invalid-text" && declined.detail.hasPrefix("reason: "), "\(declined.detail)")
                let approve = try await Routes.vote(
                    client, id, "approve", as: Routes.bob, body: #"{"comment":"fine \#(text)"}"#)
                let approved = try Routes.problem(approve, .unprocessableContent)
                #expect(approved.code == "invalid-text" && approved.detail.hasPrefix("comment: "), "\(approved.detail)")
            }
            #expect(storage.tables.decisions[id]?.votes.isEmpty == true)
            #expect(storage.tables.audit.isEmpty)
            // Several lines are text.
            let multiLine = try await Routes.vote(
                client, id, "decline", as: Routes.bob, body: #"{"reason":"wrong CN\r\n\tand SAN"}"#)
            #expect(multiLine.status == .ok)
        }
    }
}
