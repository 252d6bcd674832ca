import CLMContracts
import CLMStorage
import Logging
import PostgresNIO

/// Keeps a service's copy of the realm memberships, and passes every other event to the
/// module's own handler.
struct MembershipEventHandler: EventHandler {
    let members: RealmMembers
    let inner: (any EventHandler)?

    var eventTypes: Set<String> {
        (inner?.eventTypes ?? []).union([EventType.memberSnapshot.rawValue])
    }

    var republishOnRedelivery: Set<String> { inner?.republishOnRedelivery ?? [] }

    func concerns(_ event: IncomingEvent, client: PostgresClient, logger: Logger) async throws -> Bool {
        guard let inner, event.header.type != EventType.memberSnapshot.rawValue else { return true }
        return try await inner.concerns(event, client: client, logger: logger)
    }

    func handle(_ event: IncomingEvent, in transaction: EventTransaction) async throws {
        if event.header.type == EventType.memberSnapshot.rawValue {
            let snapshot = try event.decode(MemberSnapshot.self).data
            try await members.apply(snapshot, on: transaction.connection, logger: transaction.logger)
        } else if let inner, inner.eventTypes.contains(event.header.type) {
            try await inner.handle(event, in: transaction)
        }
    }
}
