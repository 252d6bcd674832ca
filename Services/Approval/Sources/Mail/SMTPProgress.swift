import Synchronization

/// How far one exchange got, shared between the exchange and its timeout: the timeout names the
/// step that stalled, and once the server has accepted the message a later failure (an
/// unanswered QUIT) no longer fails the send.
final class SMTPProgress: Sendable {
    private struct State {
        var step = "connecting"
        var delivered = false
    }

    private let state = Mutex(State())

    init() {}

    var step: String { state.withLock { $0.step } }
    var delivered: Bool { state.withLock { $0.delivered } }

    func enter(_ step: String) { state.withLock { $0.step = step } }
    func markDelivered() { state.withLock { $0.delivered = true } }
}
