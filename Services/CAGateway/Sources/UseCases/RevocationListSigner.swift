import CLMCrypto
import Foundation
import Logging

/// Signs a CA's CRLs: at once inside every revocation's transaction (so the CRL and OCSP never
/// disagree once it commits), and on the schedule before `nextUpdate`. CRL numbers only grow,
/// across restarts and replicas: each signer holds the CA's CRL lock.
struct RevocationListSigner: Sendable {
    let schedule: RevocationListSchedule

    /// Signs the next CRL of `authority` in `tx`.
    @discardableResult
    func sign(_ authority: CertificateAuthority, in tx: any CAGatewayTransaction, now: Date = Date()) async throws
        -> RevocationList
    {
        let current = try await tx.lockRevocationList(ca: authority.name)
        return try await sign(authority, after: current, in: tx, now: now)
    }

    /// Signs a new CRL of `authority` if none exists or the current one is due for replacement.
    @discardableResult
    func refreshIfDue(_ authority: CertificateAuthority, in tx: any CAGatewayTransaction, now: Date = Date())
        async throws -> RevocationList?
    {
        let current = try await tx.lockRevocationList(ca: authority.name)
        guard schedule.isDue(nextUpdate: current?.nextUpdate, now: now) else { return nil }
        let list = try await sign(authority, after: current, in: tx, now: now)
        tx.logger.info(
            "CRL re-signed on schedule",
            metadata: ["ca": "\(authority.name)", "crl.number": "\(list.crlNumber ?? 0)"])
        return list
    }

    private func sign(
        _ authority: CertificateAuthority, after current: RevocationListState?, in tx: any CAGatewayTransaction,
        now: Date
    ) async throws -> RevocationList {
        let entries = try await tx.revokedEntries(
            ca: authority.name, expiringAfter: schedule.oldestListedExpiry(now: now))
        let list = try authority.signRevocationList(
            number: (current?.number ?? 0) + 1, thisUpdate: now, nextUpdate: schedule.nextUpdate(after: now),
            entries: entries)
        try await tx.saveRevocationList(ca: authority.name, list)
        return list
    }
}

/// The periodic task's body: every CA this gateway serves gets a fresh CRL before its current
/// one runs out (and its first one at start).
struct RefreshRevocationLists: Sendable {
    let authorities: AuthorityDirectory
    let signer: RevocationListSigner
    let store: any CAGatewayStore

    func callAsFunction(logger: Logger) async throws {
        for authority in authorities.all {
            try await store.transaction(logger: logger) { try await signer.refreshIfDue(authority, in: $0) }
        }
    }
}
