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

    struct Pair: Sendable, CustomTestStringConvertible {
        var from: CAOrderState
        var to: CAOrderState
        var testDescription: String { "\(from.rawValue)→\(to.rawValue)" }
    }

    static let everyPair: [Pair] = CAOrderState.allCases.flatMap { from in
        CAOrderState.allCases.map { Pair(from: from, to: $0) }
    }

    @Test("every pair of states follows the table", arguments: everyPair)
    func transitionTable(_ pair: Pair) {
        #expect(pair.from.canTransition(to: pair.to) == Self.allowed.contains(pair.testDescription))
    }

    @Test("the table covers all 25 pairs and names only real states")
    func tableIsWellFormed() {
        #expect(Self.everyPair.count == 25)
        let names = Set(CAOrderState.allCases.map(\.rawValue))
        for entry in Self.allowed {
            let parts = entry.split(separator: "→").map(String.init)
            #expect(parts.count == 2 && names.contains(parts[0]) && names.contains(parts[1]), "\(entry)")
        }
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
