/// The life of a request (DESIGN §1). Transitions are checked here, in one place, so every
/// service that tracks a request agrees on what may follow what.
public enum RequestState: String, Codable, Sendable, CaseIterable, Lifecycle {
    case submitted
    case awaitingVerification = "awaiting_verification"
    case awaitingApproval = "awaiting_approval"
    case approved
    case keyGenerated = "key_generated"
    case issued
    case declined
    case failed
    case expired

    /// A final state never changes again.
    public var isFinal: Bool {
        switch self {
        case .issued, .declined, .failed, .expired: true
        default: false
        }
    }

    /// The raw values of the final states, for queries.
    public static let finalStates: [String] = allCases.filter(\.isFinal).map(\.rawValue)

    /// Whether the workflow may move a request from `self` to `next`.
    public func canTransition(to next: RequestState) -> Bool {
        if isFinal { return false }
        switch (self, next) {
        case (.submitted, .awaitingVerification), (.submitted, .awaitingApproval), (.submitted, .approved):
            return true
        case (.awaitingVerification, .approved), (.awaitingApproval, .approved),
            (.awaitingVerification, .awaitingApproval):
            return true
        case (.approved, .keyGenerated), (.approved, .issued), (.keyGenerated, .issued):
            return true
        case (_, .declined), (_, .failed), (_, .expired):
            return true
        default:
            return false
        }
    }
}
