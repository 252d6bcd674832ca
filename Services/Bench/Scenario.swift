import CLMContracts

/// One kind of issuance the benchmark drives.
struct Scenario: Sendable {
    var name: String
    /// The request body, given the benchmark's CSR.
    var body: @Sendable (_ csr: String) -> SubmitRequestBody
    var count: Int
    var concurrency: Int
    /// What bounds it on one core, for the ratio: the name and the measured rate.
    var limitName: String
}
