import Testing

@testable import CAGateway

@Suite("CAOrderState")
struct CAGatewayOrderStateTests {
    /// The whole table an order may follow: every pair not listed is refused.
    static let allowed: Set<String> = [
        "waiting→awaiting-key",
        "waiting→retrying", "awaiting-key→retrying", "retrying→retrying",
        "waiting→issued", "awaiting-key→issued", "retrying→issued",
        "waiting→failed", "awaiting-key→failed", "retrying→failed",
    ]

    @Test("every pair of states follows the table", arguments: Transition<CAOrderState>.all)
    func transitionTable(_ pair: Transition<CAOrderState>) {
        pair.expect(in: Self.allowed)
    }

    @Test("the table covers all 25 pairs and names only real states")
    func tableIsWellFormed() {
        Transition<CAOrderState>.expectWellFormed(Self.allowed, count: 25)
        Transition<CAOrderState>.expectFinalStatesStay()
    }

    @Test("final states never change; the others can always still fail", arguments: CAOrderState.allCases)
    func finality(_ state: CAOrderState) {
        #expect(state.isFinal == [.issued, .failed].contains(state))
        if state.isFinal {
            #expect(CAOrderState.allCases.allSatisfy { !state.canTransition(to: $0) })
        } else {
            #expect(state.canTransition(to: .failed))
            #expect(state.canTransition(to: .issued))
        }
    }

    @Test("nothing moves back to waiting, and only an order in retrying moves to itself")
    func noWayBack() {
        for state in CAOrderState.allCases {
            #expect(!state.canTransition(to: .waiting))
            #expect(state.canTransition(to: state) == (state == .retrying))
        }
    }

    @Test("only waiting and awaiting-key still wait for an approval or key", arguments: CAOrderState.allCases)
    func awaitsDecision(_ state: CAOrderState) {
        #expect(state.awaitsDecision == [.waiting, .awaitingKey].contains(state))
    }

    @Test("raw values are the column's values, as the migrations write them")
    func storedNames() throws {
        #expect(CAOrderState.allCases.map(\.rawValue) == ["waiting", "awaiting-key", "retrying", "issued", "failed"])
        let sql = CAGatewayMigrations.all.flatMap(\.statements).joined(separator: "\n")
        #expect(sql.contains("state text NOT NULL DEFAULT '\(CAOrderState.waiting.rawValue)'"))
        #expect(sql.contains("WHERE state = '\(CAOrderState.retrying.rawValue)'"))
    }
}
