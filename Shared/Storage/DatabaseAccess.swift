import PostgresNIO

/// Where a use case reads and writes: a service's pool (each call its own connection or
/// transaction), or the transaction of the event being applied (every call inside it). The
/// same flow then runs for an HTTP request and for a Kafka command.
public protocol DatabaseAccess: Sendable {
    func read<T: Sendable>(_ body: (PostgresConnection) async throws -> T) async throws -> T
    func write<T: Sendable>(_ body: (EventTransaction) async throws -> T) async throws -> T
}

extension EventTransaction: DatabaseAccess {
    public func read<T: Sendable>(_ body: (PostgresConnection) async throws -> T) async throws -> T {
        try await body(connection)
    }

    public func write<T: Sendable>(_ body: (EventTransaction) async throws -> T) async throws -> T {
        try await body(self)
    }
}
