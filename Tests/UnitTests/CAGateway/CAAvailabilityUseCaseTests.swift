import CLMContracts
import Foundation
import Logging
import Testing

@testable import CAGateway

@Suite("CA gateway availability and listings")
struct CAGatewayAvailabilityTests {
    let store = FakeCAGatewayStore()
    let logger = Logger(label: "test")
    var setAvailability: SetCAAvailability { SetCAAvailability(store: store) }

    @Test("taking a CA out of service needs a reason of at most 500 characters")
    func reasons() async throws {
        let authority = CAGatewayFixtures.authority
        for reason in [nil, "", "  \n"] {
            await #expect(throws: Problem.invalid("missing-field", "")) {
                _ = try await setAvailability(authority, available: false, reason: reason, by: "ops", logger: logger)
            }
        }
        await #expect(throws: Problem.invalid("invalid-field", "")) {
            _ = try await setAvailability(
                authority, available: false, reason: String(repeating: "x", count: 501), by: "ops", logger: logger)
        }
        #expect(store.suspended.isEmpty && store.audits.isEmpty)
    }

    @Test("suspending stores the trimmed reason and audits; resuming clears it and makes retries due")
    func suspendAndResume() async throws {
        let authority = CAGatewayFixtures.authority
        let suspended = try await setAvailability(
            authority, available: false, reason: " HSM maintenance ", by: "ops", logger: logger)
        #expect(suspended == "HSM maintenance")
        #expect(store.suspended == ["default": "HSM maintenance"])
        #expect(store.resumed.isEmpty)
        let list = ListAuthorities(authorities: AuthorityDirectory([authority]), store: store)
        let listed = try await list(logger: logger)
        #expect(listed.count == 1 && listed[0].suspended == "HSM maintenance")

        let resumed = try await setAvailability(
            authority, available: true, reason: "ignored", by: "ops", logger: logger)
        #expect(resumed == nil && store.suspended.isEmpty)
        #expect(store.resumed == ["default"])
        #expect(store.audits == ["ca.suspended ca/default HSM maintenance", "ca.resumed ca/default "])
    }

    @Test("an unknown CA is not found")
    func unknownCA() {
        let directory = AuthorityDirectory([CAGatewayFixtures.authority])
        #expect(throws: Problem.notFound("CA 'nope'")) { try directory.named("nope") }
    }
}
