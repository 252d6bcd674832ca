import CLMContracts
import Foundation
import Logging
import PostgresNIO

/// One database transaction of a service, with its outbox: a state change and the events it
/// causes commit together or not at all.
public struct EventTransaction: Sendable {
    public let connection: PostgresConnection
    public let outbox: Outbox
    public let logger: Logger
    /// The trace context of what caused this transaction (the event being applied, or the
    /// API call), carried into every event it publishes.
    public let traceparent: String?

    public init(connection: PostgresConnection, outbox: Outbox, logger: Logger, traceparent: String? = nil) {
        self.connection = connection
        self.outbox = outbox
        self.logger = logger
        self.traceparent = traceparent
    }

    /// Queues `payload` as an event about `subject` in `realm`.
    public func publish<P: EventPayload>(_ payload: P, subject: String, realm: String) async throws {
        try await outbox.enqueue(
            outbox.event(payload, subject: subject, realm: realm, traceparent: traceparent), on: connection,
            logger: logger)
    }

    /// Queues `payload` as an event about a request (or command) id.
    public func publish<P: EventPayload>(_ payload: P, about id: UUID, realm: String) async throws {
        try await publish(payload, subject: id.lowercasedString, realm: realm)
    }
}
