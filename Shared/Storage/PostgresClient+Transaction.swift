import Logging
import PostgresNIO

extension PostgresClient {
    /// `withTransaction`, but errors come out as thrown: PostgresNIO wraps whatever the body
    /// (or BEGIN/COMMIT) threw in `PostgresTransactionError`, which would hide our own error
    /// types (`APIError`, `EventRejection`) from the code that maps them.
    public func transaction<Result: Sendable>(
        logger: Logger, _ body: (PostgresConnection) async throws -> Result
    ) async throws -> Result {
        do {
            return try await withTransaction(logger: logger) { connection in try await body(connection) }
        } catch let error as PostgresTransactionError {
            throw error.closureError ?? error.beginError ?? error.commitError ?? error
        }
    }
}
