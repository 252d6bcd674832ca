import CLMContracts

/// Remembers a submitted request as a `waiting` order, for its approval to issue later.
/// A submission seen again changes nothing.
struct RecordOrder: Sendable {
    func callAsFunction(_ submitted: RequestSubmitted, in tx: any CAGatewayTransaction) async throws {
        try await tx.recordOrder(submitted)
    }
}
