import CLMContracts
import Testing

/// One (from, to) pair of a lifecycle, shown as `from→to`: every lifecycle's table test runs
/// over all its pairs against a list of the allowed ones written out by hand.
struct Transition<State: Lifecycle>: Sendable, CustomTestStringConvertible {
    var from: State
    var to: State

    var testDescription: String { "\(from.stateName)→\(to.stateName)" }

    /// Every pair of states, allowed or not.
    static var all: [Transition] {
        State.allCases.flatMap { from in State.allCases.map { Transition(from: from, to: $0) } }
    }

    /// The pair is allowed exactly when `allowed` lists it.
    func expect(in allowed: Set<String>, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(
            from.canTransition(to: to) == allowed.contains(testDescription), "\(testDescription)",
            sourceLocation: sourceLocation)
    }

    /// `allowed` names only real states, and the table has `count` pairs in all.
    static func expectWellFormed(_ allowed: Set<String>, count: Int, sourceLocation: SourceLocation = #_sourceLocation)
    {
        #expect(all.count == count, sourceLocation: sourceLocation)
        let names = Set(State.allCases.map(\.stateName))
        for entry in allowed {
            let parts = entry.split(separator: "→").map(String.init)
            #expect(
                parts.count == 2 && names.contains(parts[0]) && names.contains(parts[1]), "\(entry)",
                sourceLocation: sourceLocation)
        }
    }

    /// A final state is followed by nothing.
    static func expectFinalStatesStay(sourceLocation: SourceLocation = #_sourceLocation) {
        for state in State.allCases where state.isFinal {
            #expect(State.allCases.allSatisfy { !state.canTransition(to: $0) }, "\(state.stateName)")
        }
    }
}
