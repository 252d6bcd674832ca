import CLMContracts

/// Where an order stands at the CA gateway, from the submission it remembers to the
/// certificate or the failure it ends in. Transitions are checked here, in one table, so the
/// event handler, the retry task and the availability switch agree on what may follow what.
/// The raw values are what `ca_gateway.orders.state` holds.
enum CAOrderState: String, Sendable, CaseIterable, Lifecycle {
    /// The submission is known; its approval is not.
    case waiting
    /// Approved, with a server-side key that keygen has not generated yet.
    case awaitingKey = "awaiting-key"
    /// The CA is out of service; the next attempt is due at `next_attempt_at`.
    case retrying
    case issued
    case failed

    /// A final state never changes again.
    var isFinal: Bool {
        switch self {
        case .issued, .failed: true
        case .waiting, .awaitingKey, .retrying: false
        }
    }

    /// Whether an approval or a generated key still moves the order; in any other state one
    /// arriving again is a replay (its effects were published already).
    var awaitsDecision: Bool { self == .waiting || self == .awaitingKey }

    /// Whether the gateway may move an order from `self` to `next`.
    func canTransition(to next: CAOrderState) -> Bool {
        switch (self, next) {
        case (.waiting, .awaitingKey):
            true
        // Each backoff step of an unavailable CA is a move from retrying to retrying.
        case (.waiting, .retrying), (.awaitingKey, .retrying), (.retrying, .retrying):
            true
        case (.waiting, .issued), (.awaitingKey, .issued), (.retrying, .issued):
            true
        case (.waiting, .failed), (.awaitingKey, .failed), (.retrying, .failed):
            true
        default:
            false
        }
    }
}
