import Testing

@testable import Approval

@Suite("Approval: verification-link lifecycle")
struct VerificationStateTests {
    typealias State = VerificationState

    /// Every allowed transition, written out independently of the table it checks.
    static let allowed: Set<String> = [
        "due→sending", "retrying→sending", "sending→sending",
        "sending→sent", "sending→retrying", "sending→failed",
        "sending→confirmed", "sent→confirmed",
        "due→expired", "sending→expired", "retrying→expired", "sent→expired",
    ]

    @Test("every pair of states is allowed or refused as the lifecycle says", arguments: Transition<State>.all)
    func everyPair(_ pair: Transition<State>) {
        pair.expect(in: Self.allowed)
    }

    @Test("the table covers all 49 pairs and names only real states")
    func tableIsWellFormed() {
        Transition<State>.expectWellFormed(Self.allowed, count: 49)
        Transition<State>.expectFinalStatesStay()
    }

    @Test("final states never change; every other state can still end when its request stops waiting")
    func finals() {
        #expect(State.allCases.filter(\.isFinal) == [.confirmed, .failed, .expired])
        for state in State.allCases {
            if state.isFinal {
                #expect(State.allCases.allSatisfy { !state.canTransition(to: $0) }, "\(state)")
            } else {
                #expect(state.canTransition(to: .expired), "\(state)")
            }
        }
    }

    @Test("a link can be confirmed only once its mail went out")
    func confirmable() {
        #expect(State.sources(of: .confirmed) == [.sending, .sent])
        #expect(State.sources(of: .sending) == [.due, .sending, .retrying])
        #expect(State.sources(of: .sent) == [.sending])
    }

    @Test("transient failures back off 2, 4, 8 … seconds up to five minutes, until the attempts run out")
    func backoff() {
        let delays = (1...10).map { State.afterFailure(attempt: $0, transient: true, maxAttempts: 20) }
        #expect(
            delays == [2, 4, 8, 16, 32, 64, 128, 256, 256, 256].map { .retry(afterSeconds: min($0, 300)) })
        #expect(State.afterFailure(attempt: 8, transient: true, maxAttempts: 8) == .giveUp)
        #expect(State.afterFailure(attempt: 7, transient: true, maxAttempts: 8) == .retry(afterSeconds: 128))
        #expect(State.afterFailure(attempt: 1, transient: false, maxAttempts: 8) == .giveUp)
    }
}
