/// A lifecycle: the states something can be in, and one table of which may follow which.
/// Requests, CA orders, keys and verification links each have one; a transition that is not
/// in the table is refused wherever it is attempted.
public protocol Lifecycle: CaseIterable, Hashable, Sendable where AllCases: Sendable {
    /// A final state never changes again.
    var isFinal: Bool { get }
    /// Whether `self` may be followed by `next`.
    func canTransition(to next: Self) -> Bool
    /// The state's name as it is stored and shown.
    var stateName: String { get }
}

extension Lifecycle where Self: RawRepresentable, RawValue == String {
    public var stateName: String { rawValue }
}
