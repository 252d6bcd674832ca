import CLMContracts
import Foundation
import Synchronization

@testable import CAGateway

/// `ca_gateway.expiry_notices` in memory: the notices recorded per certificate.
final class FakeExpiryNotices: Sendable {
    struct Key: Hashable, Sendable {
        var ca: String
        var serialNumber: String
    }

    private let state = Mutex<[Key: Set<Int>]>([:])

    /// The notices of a certificate (thresholds in seconds, 0 for the expiry).
    func recorded(ca: String = "default", serialNumber: String) -> Set<Int> {
        state.withLock { $0[Key(ca: ca, serialNumber: serialNumber)] ?? [] }
    }

    /// Inserts the notices that are new, and returns them (the primary key's ON CONFLICT).
    func insert(_ notices: [Int], ca: String, serialNumber: String) -> Set<Int> {
        state.withLock { table in
            let key = Key(ca: ca, serialNumber: serialNumber)
            let new = Set(notices).subtracting(table[key] ?? [])
            table[key, default: []].formUnion(new)
            return new
        }
    }
}

/// The sweep's queries over the fake tables, as the SQL in `ExpiryStore.swift` answers them.
extension FakeCAGatewayTransaction {
    func lockDueExpiries(now: Date, limit: Int) async throws -> [ExpiringCertificate] {
        let revoked = store.revocations
        let orders = store.rows
        return store.certificates.filter { revoked[$0.serialNumber] == nil }.compactMap { certificate in
            let done = store.expiryNotices.recorded(ca: certificate.ca, serialNumber: certificate.serialNumber)
            let due = (certificate.expiryWarnings + [0]).contains {
                !done.contains($0) && certificate.notAfter.addingTimeInterval(-TimeInterval($0)) <= now
            }
            guard due else { return nil }
            return ExpiringCertificate(
                ca: certificate.ca, serialNumber: certificate.serialNumber, request: certificate.request,
                realm: certificate.realm, subject: certificate.subject, notAfter: certificate.notAfter,
                requester: certificate.requester, alternativeNames: certificate.alternativeNames,
                thresholds: certificate.expiryWarnings, done: done,
                verifiedEmails: orders[certificate.request]?.order.submitted.verificationEmails ?? [])
        }
        .sorted { $0.notAfter < $1.notAfter }.prefix(limit).map { $0 }
    }

    func recordExpiryNotices(ca: String, serialNumber: String, notices: [Int]) async throws -> Set<Int> {
        store.expiryNotices.insert(notices, ca: ca, serialNumber: serialNumber)
    }
}
