import CLMContracts
import Foundation
import Testing

@testable import CAGateway

@Suite("CAOrder steps and retry policy")
struct CAGatewayOrderStepTests {
    @Test(
        "an approval issues a CSR order, makes a server-side one wait, and is a replay later",
        arguments: CAOrderState.allCases)
    func approval(_ state: CAOrderState) {
        let csr = CAGatewayFixtures.order(state: state, keySource: .csr)
        let server = CAGatewayFixtures.order(state: state, keySource: .server)
        switch state {
        case .waiting:
            #expect(csr.onApproval() == .issue(csr.submitted))
            #expect(server.onApproval() == .awaitKey)
        case .awaitingKey:
            #expect(server.onApproval() == .replay(.awaitingKey))
        case .retrying, .issued, .failed:
            #expect(csr.onApproval() == .replay(state))
            #expect(server.onApproval() == .replay(state))
        }
    }

    @Test("a generated key issues an order awaiting it, with the key")
    func generatedKey() {
        let order = CAGatewayFixtures.order(state: .awaitingKey, keySource: .server)
        let key = KeyGenerated(request: order.request, realm: order.realm, keySpec: "ec:P-256", publicKey: "KEY")
        var expected = order.submitted
        expected.publicKey = "KEY"
        #expect(order.onKeyGenerated(key) == .issue(expected))
    }

    @Test("a key that contradicts the order is rejected with the reason of old")
    func keyRejections() {
        let waiting = CAGatewayFixtures.order(state: .waiting, keySource: .server)
        let key = KeyGenerated(request: waiting.request, realm: waiting.realm, keySpec: "ec:P-256", publicKey: "KEY")
        #expect(
            waiting.onKeyGenerated(key) == .reject("key for request \(waiting.request) arrived before its approval"))
        let csr = CAGatewayFixtures.order(state: .waiting, keySource: .csr)
        #expect(csr.onKeyGenerated(key) == .reject("generated key for CSR request \(csr.request)"))
        let awaiting = CAGatewayFixtures.order(state: .awaitingKey, keySource: .server)
        var rsa = key
        rsa.keySpec = "rsa:3072"
        #expect(
            awaiting.onKeyGenerated(rsa)
                == .reject("generated rsa:3072 but request \(awaiting.request) asked for ec:P-256"))
        for state in [CAOrderState.retrying, .issued, .failed] {
            #expect(CAGatewayFixtures.order(state: state, keySource: .server).onKeyGenerated(key) == .replay(state))
        }
    }

    @Test("a change the table refuses is an internal problem")
    func checkedChange() throws {
        let issued = CAGatewayFixtures.order(state: .issued, keySource: .csr)
        #expect(throws: Problem.internal("")) { try issued.checked(.failed(reason: "late")) }
        let retrying = CAGatewayFixtures.order(state: .retrying, keySource: .csr)
        #expect(try retrying.checked(.issued(attempts: 3)) == .issued(attempts: 3))
    }

    static let policy = IssuanceRetryPolicy(limit: 4, initial: .milliseconds(1000), maximum: .seconds(3))

    @Test("backoff doubles from the initial delay up to the maximum")
    func backoff() {
        let delays = (1...5).map { Self.policy.delay(after: $0) }
        #expect(delays == [.seconds(1), .seconds(2), .seconds(3), .seconds(3), .seconds(3)])
        #expect(Self.policy.delay(after: 0) == .seconds(1))
    }

    @Test("an attempt issues, waits or fails")
    func decisions() {
        let now = Date(timeIntervalSince1970: 1_000_000)
        #expect(
            Self.policy.decide(ca: "x", known: false, suspended: nil, attempts: 0, now: now)
                == .fail(code: "unknown-ca", reason: "CA 'x' is not served by this gateway"))
        #expect(Self.policy.decide(ca: "x", known: true, suspended: nil, attempts: 5, now: now) == .issue)
        #expect(
            Self.policy.decide(ca: "x", known: true, suspended: "HSM", attempts: 1, now: now)
                == .retry(attempt: 2, reason: "CA 'x' is unavailable: HSM", retryAt: now.addingTimeInterval(2)))
        #expect(
            Self.policy.decide(ca: "x", known: true, suspended: "HSM", attempts: 3, now: now)
                == .fail(code: "ca-unavailable", reason: "CA 'x' is unavailable: HSM (gave up after 4 attempts)"))
    }
}
