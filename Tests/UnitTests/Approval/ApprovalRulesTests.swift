import CLMContracts
import Foundation
import Testing

@testable import Approval

@Suite("Approval rules")
struct ApprovalRulesTests {
    typealias Rules = ApprovalRules
    static let now = Date(timeIntervalSince1970: 1_800_000_000)

    static func waiting(required: Int = 2, approvals: [String] = [], state: RequestState = .awaitingApproval)
        -> Rules.Waiting
    {
        Rules.Waiting(
            state: state, requester: "alice", required: required, approvals: approvals,
            expiresAt: now.addingTimeInterval(3600))
    }

    @Test("two distinct approvers approve a four-eyes request; the first only counts")
    func fourEyes() {
        let first = Rules.apply(.approve, by: "bob", to: Self.waiting(), now: Self.now)
        #expect(first == .success(.recorded(approvals: ["bob"])))
        let second = Rules.apply(.approve, by: "carol", to: Self.waiting(approvals: ["bob"]), now: Self.now)
        #expect(second == .success(.approved(approvers: ["bob", "carol"])))
    }

    @Test("the requester never approves their own request")
    func selfApproval() {
        #expect(Rules.apply(.approve, by: "alice", to: Self.waiting(), now: Self.now) == .failure(.selfApproval))
        #expect(
            Rules.apply(.approve, by: "alice", to: Self.waiting(required: 1), now: Self.now) == .failure(.selfApproval))
    }

    @Test("one approver cannot count twice")
    func twice() {
        #expect(
            Rules.apply(.approve, by: "bob", to: Self.waiting(approvals: ["bob"]), now: Self.now)
                == .failure(.alreadyApproved))
    }

    @Test("one decline ends the request, even after approvals")
    func decline() {
        #expect(
            Rules.apply(.decline, by: "bob", to: Self.waiting(approvals: ["carol"]), now: Self.now)
                == .success(.declined))
    }

    @Test("nothing is decided on a request that is not waiting for approvers, or past its deadline")
    func notWaiting() {
        for state in [RequestState.approved, .issued, .declined, .expired, .awaitingVerification, .submitted] {
            #expect(
                Rules.apply(.approve, by: "bob", to: Self.waiting(state: state), now: Self.now)
                    == .failure(.notWaiting(state)))
        }
        let late = Self.now.addingTimeInterval(3600)
        #expect(Rules.apply(.approve, by: "bob", to: Self.waiting(), now: late) == .failure(.expired))
    }

    @Test("one required approval is approved by the first approver")
    func single() {
        #expect(
            Rules.apply(.approve, by: "bob", to: Self.waiting(required: 1), now: Self.now)
                == .success(.approved(approvers: ["bob"])))
    }
}
