import CLMContracts

/// Remembers a server-side submission: which key to generate after approval, for whom, how
/// long to keep it, and the verifier of the password chosen for its download.
struct RecordKeyOrder: Sendable {
    func execute(_ submitted: RequestSubmitted, in tx: any KeygenTransaction) async throws {
        guard submitted.keySource == .server, let spec = submitted.keySpec else { return }
        try await tx.insertOrder(
            KeyOrderRecord(
                request: submitted.request, realm: submitted.realm, keySpec: spec, requester: submitted.requester,
                retentionSeconds: submitted.keyRetentionSeconds
                    ?? DurationText.seconds(PolicyDocument.defaultKeyRetention),
                passwordVerifier: submitted.keyPasswordVerifier))
    }
}
