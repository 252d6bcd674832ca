import CLMContracts
import Foundation
import Logging

/// A page of a realm's inventory, with the cursor of the next.
struct ListCertificates: Sendable {
    let store: any CAGatewayStore

    func callAsFunction(realm: String, query: CertificateQuery, now: Date = Date(), logger: Logger) async throws
        -> CertificatePage
    {
        var rows = try await store.certificates(realm: realm, query: query, now: now, logger: logger)
        var next: String?
        if rows.count > query.limit {
            rows.removeLast(rows.count - query.limit)
            next = rows.last.map { query.cursor(after: $0).encoded }
        }
        return CertificatePage(certificates: rows, nextCursor: next)
    }

    /// Every certificate matching `query` (its limit and cursor aside), page by page, at most
    /// `maximum`: what an export holds. More than `maximum` is `export-too-large`.
    func all(realm: String, query: CertificateQuery, maximum: Int = 100_000, logger: Logger) async throws
        -> [CertificateView]
    {
        var query = query
        query.limit = CertificateQuery.maximumLimit
        query.cursor = nil
        let now = Date()
        var all: [CertificateView] = []
        while true {
            let page = try await callAsFunction(realm: realm, query: query, now: now, logger: logger)
            all += page.certificates
            guard all.count <= maximum else {
                throw Problem.refused(
                    "export-too-large", "more than \(maximum) certificates match; narrow the filters")
            }
            guard let next = page.nextCursor else { return all }
            query.cursor = try CertificateQuery.Cursor(encoded: next)
        }
    }
}

/// One certificate of a realm: its entry, the PEM, and what happened to it.
struct ShowCertificate: Sendable {
    let store: any CAGatewayStore

    func callAsFunction(realm: String, serialNumber: String, logger: Logger) async throws -> CertificateDetail {
        guard
            let found = try await store.certificate(
                realm: realm, serialNumber: serialNumber, now: Date(), logger: logger)
        else { throw Problem.notFound("certificate \(serialNumber)") }
        let view = found.view
        var history = [
            CertificateDetail.Event(
                event: "issued", at: view.issuedAt, by: "ca:\(view.ca)",
                detail:
                    "request \(view.request.lowercasedString), policy \(view.policy ?? "?") v\(view.policyVersion ?? 0)"
            )
        ]
        if let revocation = view.revocation {
            history.append(
                CertificateDetail.Event(
                    event: "revoked", at: revocation.revokedAt, by: revocation.revokedBy,
                    detail: revocation.reason.rawValue + (revocation.comment.map { ": \($0)" } ?? "")))
        }
        if view.revocation == nil && view.notAfter <= Date() {
            history.append(CertificateDetail.Event(event: "expired", at: view.notAfter, by: "ca:\(view.ca)"))
        }
        return CertificateDetail(certificate: view, pem: found.pem, history: history)
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
