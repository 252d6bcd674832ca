import CLMContracts

/// Typed dispatch of incoming events: one closure per payload type, decoded before it is
/// called. The event types a service handles, and so the topics it must consume, follow
/// from its routes.
public struct EventRoutes: Sendable {
    public typealias Route = @Sendable (IncomingEvent, EventTransaction) async throws -> Void
    private var routes: [EventType: Route] = [:]

    public init() {}

    /// Handles events of `P` with `body`; a second route for the same type replaces the first.
    public mutating func on<P: EventPayload>(
        _: P.Type, _ body: @escaping @Sendable (ReceivedEvent<P>, EventTransaction) async throws -> Void
    ) {
        routes[P.eventType] = { event, transaction in try await body(event.decode(P.self), transaction) }
    }

    /// The routes of `self` and `other`; `other` wins for a type both route.
    public func merging(_ other: EventRoutes) -> EventRoutes {
        var merged = self
        merged.routes.merge(other.routes) { _, theirs in theirs }
        return merged
    }

    public var eventTypes: Set<EventType> { Set(routes.keys) }

    /// The topics carrying the routed types.
    public var topics: Set<Topic> { Set(routes.keys.map(\.topic)) }

    func route(for type: String) -> Route? { EventType(rawValue: type).flatMap { routes[$0] } }
}
