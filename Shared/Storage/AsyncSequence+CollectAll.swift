extension AsyncSequence where Self: Sendable {
    /// Reads every element; for query results that are small by construction (batches, lists).
    public func collectAll() async throws -> [Element] {
        var elements: [Element] = []
        for try await element in self { elements.append(element) }
        return elements
    }
}
