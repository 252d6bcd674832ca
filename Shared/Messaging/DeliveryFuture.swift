import Synchronization

/// Where the broker stored a produced message.
public struct DeliveryReport: Sendable, Equatable {
    public var partition: Int32
    public var offset: Int64
}

/// The pending acknowledgement of one produced message.
///
/// `KafkaProducer.produce` enqueues synchronously (so several calls keep their order on the
/// wire) and hands back one of these to await the broker's answer.
public final class DeliveryFuture: Sendable {
    private enum State {
        case pending([CheckedContinuation<DeliveryReport, any Error>])
        case done(Result<DeliveryReport, KafkaError>)
    }

    private let state = Mutex(State.pending([]))

    init() {}

    func complete(_ result: Result<DeliveryReport, KafkaError>) {
        let waiters: [CheckedContinuation<DeliveryReport, any Error>] = state.withLock { state in
            guard case .pending(let waiters) = state else { return [] }
            state = .done(result)
            return waiters
        }
        for waiter in waiters { waiter.resume(with: result.mapError { $0 as any Error }) }
    }

    /// The delivery report, once the broker acknowledged (or finally refused) the message.
    public var value: DeliveryReport {
        get async throws {
            try await withCheckedThrowingContinuation { continuation in
                let ready: Result<DeliveryReport, KafkaError>? = state.withLock { state in
                    switch state {
                    case .pending(var waiters):
                        waiters.append(continuation)
                        state = .pending(waiters)
                        return nil
                    case .done(let result):
                        return result
                    }
                }
                if let ready { continuation.resume(with: ready.mapError { $0 as any Error }) }
            }
        }
    }
}
