/// One kind of issuance the benchmark drives.
struct Scenario: Sendable {
    var name: String
    /// Request body fields besides policy and entities.
    var body: @Sendable (_ csr: String) -> [String: Any]
    var count: Int
    var concurrency: Int
    /// What bounds it on one core, for the ratio: the name and the measured rate.
    var limitName: String
}
