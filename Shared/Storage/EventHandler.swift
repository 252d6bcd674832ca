import CLMContracts
import Logging
import PostgresNIO

/// Thrown by a handler for an event that can never be processed (bad payload, impossible
/// state). The event is logged, counted and set aside instead of blocking its partition.
public struct EventRejection: Error, Sendable, CustomStringConvertible {
    public let reason: String
    public init(reason: String) { self.reason = reason }
    public var description: String { reason }
}

/// A service's reaction to the events it subscribes to: a thin adapter from typed events to
/// the service's use cases.
public protocol EventHandler: Sendable {
    /// What the handler does with each event type it acts on; events of other types are
    /// acknowledged without touching the database.
    var routes: EventRoutes { get }
    /// Event types that start this service's work on a request. When one arrives again (a
    /// re-drive, or the broker lost what followed it), the service publishes again every
    /// event it already published about the same subject, so the next hop gets them even if
    /// the broker lost them (decision 0014). Default: none.
    var republishOnRedelivery: Set<EventType> { get }
    /// Whether the event concerns this service at all, judged before any transaction (no
    /// inbox row, no BEGIN/COMMIT for events it would ignore). Only for answers that cannot
    /// change once the event's partition got this far; default: every routed event.
    func concerns(_ event: IncomingEvent, client: PostgresClient, logger: Logger) async throws -> Bool
    /// Called once, in a transaction of its own, for an event that is set aside (it fails its
    /// schema, does not decode, or was rejected by its route) before it is dead-lettered: a
    /// command is answered here, so every command gets exactly one result. Default: nothing.
    func rejected(_ header: EventHeader, reason: String, in transaction: EventTransaction) async throws
}

extension EventHandler {
    public var republishOnRedelivery: Set<EventType> { [] }
    public func concerns(_ event: IncomingEvent, client: PostgresClient, logger: Logger) async throws -> Bool { true }
    public func rejected(_ header: EventHeader, reason: String, in transaction: EventTransaction) async throws {}
}

/// Thrown by a handler for an event that arrived before what it follows — a certificate issued
/// for a request this service still sees waiting, because the broker lost the approval and
/// replays it later. The event's transaction rolls back, so the inbox does not remember it, and
/// the event is passed over; the copy its publisher sends again (a re-drive, decision 0014) is
/// then applied in order. Without this, the early copy would be remembered as handled and the
/// later one dropped as a duplicate.
public struct EventDeferral: Error, Sendable, CustomStringConvertible {
    public let reason: String
    public init(reason: String) { self.reason = reason }
    public var description: String { reason }
}
