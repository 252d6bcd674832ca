import CLMContracts
import Testing

@Suite("RequestState")
struct DomainRequestStateTests {
    /// The whole table the workflow may follow (DESIGN §1): every pair not listed is refused.
    static let allowed: Set<String> = [
        "submitted→awaiting_verification", "submitted→awaiting_approval", "submitted→approved",
        "awaiting_verification→awaiting_approval", "awaiting_verification→approved",
        "awaiting_approval→approved",
        "approved→key_generated", "approved→issued", "key_generated→issued",
        // Any non-final state may end in declined, failed or expired.
        "submitted→declined", "submitted→failed", "submitted→expired",
        "awaiting_verification→declined", "awaiting_verification→failed", "awaiting_verification→expired",
        "awaiting_approval→declined", "awaiting_approval→failed", "awaiting_approval→expired",
        "approved→declined", "approved→failed", "approved→expired",
        "key_generated→declined", "key_generated→failed", "key_generated→expired",
    ]

    @Test("every pair of states follows the table", arguments: Transition<RequestState>.all)
    func transitionTable(_ pair: Transition<RequestState>) {
        pair.expect(in: Self.allowed)
    }

    @Test("the table covers all 81 pairs and names only real states")
    func tableIsWellFormed() {
        Transition<RequestState>.expectWellFormed(Self.allowed, count: 81)
        Transition<RequestState>.expectFinalStatesStay()
    }

    @Test("final states", arguments: RequestState.allCases)
    func finality(_ state: RequestState) {
        let finals: Set<RequestState> = [.issued, .declined, .failed, .expired]
        #expect(state.isFinal == finals.contains(state))
        if state.isFinal {
            #expect(RequestState.allCases.allSatisfy { !state.canTransition(to: $0) })
        } else {
            // A state that is not final can always still end.
            #expect(state.canTransition(to: .failed))
        }
    }

    @Test("no state moves to itself or back to submitted", arguments: RequestState.allCases)
    func noSelfOrBackToStart(_ state: RequestState) {
        #expect(!state.canTransition(to: state))
        #expect(!state.canTransition(to: .submitted))
    }

    @Test("named examples")
    func examples() {
        #expect(RequestState.submitted.canTransition(to: .approved))
        #expect(RequestState.approved.canTransition(to: .issued))
        #expect(!RequestState.submitted.canTransition(to: .issued))
        #expect(!RequestState.submitted.canTransition(to: .keyGenerated))
        #expect(!RequestState.awaitingApproval.canTransition(to: .awaitingVerification))
        #expect(!RequestState.keyGenerated.canTransition(to: .approved))
        #expect(!RequestState.issued.canTransition(to: .expired))
    }

    @Test(
        "raw values are the wire names",
        arguments: [
            (RequestState.awaitingVerification, "awaiting_verification"), (.awaitingApproval, "awaiting_approval"),
            (.keyGenerated, "key_generated"), (.submitted, "submitted"), (.issued, "issued"),
        ])
    func wireNames(_ state: RequestState, _ name: String) {
        #expect(state.rawValue == name)
        #expect(RequestState(rawValue: name) == state)
    }

    @Test("an event that overtook the ones before it is ahead; one that lags behind, or repeats, is not")
    func ahead() {
        // What intake defers (issued before the approval it follows) rather than drops.
        #expect(RequestState.issued.isAhead(of: .awaitingApproval))
        #expect(RequestState.keyGenerated.isAhead(of: .submitted))
        #expect(RequestState.approved.isAhead(of: .awaitingVerification))
        #expect(!RequestState.awaitingApproval.isAhead(of: .approved))
        #expect(!RequestState.approved.isAhead(of: .approved))
        #expect(!RequestState.submitted.isAhead(of: .keyGenerated))
        // Every move the table allows goes forward (or to a final state).
        for from in RequestState.allCases {
            for to in RequestState.allCases where from.canTransition(to: to) {
                #expect(to.isAhead(of: from), "\(from) → \(to)")
            }
        }
    }
}
