import Logging

/// The certificates issued in a realm, newest first.
struct ListCertificates: Sendable {
    let store: any CAGatewayStore

    func callAsFunction(realm: String, limit: Int?, logger: Logger) async throws -> [CertificateSummary] {
        try await store.certificates(realm: realm, limit: min(max(limit ?? 100, 1), 1000), logger: logger)
    }
}

/// The CAs this gateway serves, in configuration order, each with why it is out of service
/// (nil when it issues).
struct ListAuthorities: Sendable {
    let authorities: AuthorityDirectory
    let store: any CAGatewayStore

    func callAsFunction(logger: Logger) async throws -> [(authority: CertificateAuthority, suspended: String?)] {
        let suspended = try await store.suspensions(logger: logger)
        return authorities.all.map { ($0, suspended[$0.name]) }
    }
}
