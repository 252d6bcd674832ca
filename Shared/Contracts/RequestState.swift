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

    /// Whether `self` lies further along the workflow than `other` (submitted, awaiting
    /// verification, awaiting approval, approved, key generated, then the final states): an
    /// event announcing it may have overtaken the ones in between.
    public func isAhead(of other: RequestState) -> Bool { step > other.step }

    private var step: Int {
        switch self {
        case .submitted: 0
        case .awaitingVerification: 1
        case .awaitingApproval: 2
        case .approved: 3
        case .keyGenerated: 4
        case .issued, .declined, .failed, .expired: 5
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
