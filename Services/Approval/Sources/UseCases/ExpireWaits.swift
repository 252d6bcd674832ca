import CLMContracts
import Foundation
import Logging

/// Ends the waits nobody answered in time: the request expires, with how far it got.
struct ExpireWaits: Sendable {
    let storage: any ApprovalStorage
    /// Waits ended per transaction; the next round takes the rest.
    var batch = 100

    /// Returns how many requests expired.
    func run(logger: Logger) async throws -> Int {
        guard storage.isAvailable else { return 0 }
        let expired = try await storage.transaction(logger: logger) { tx in
            let waits = try await tx.expiredWaits(limit: batch)
            for wait in waits {
                let reason = Self.reason(wait)
                try await tx.decide(wait.request, state: .expired, by: "system:expiry", reason: reason)
                try await tx.endVerifications(of: wait.request)
                try await tx.audit(
                    realm: wait.realm, actor: "system:expiry", action: "request.expired",
                    target: wait.request.lowercasedString, details: reason)
                try await tx.publish(
                    RequestExpired(request: wait.request, realm: wait.realm, reason: reason), about: wait.request,
                    realm: wait.realm)
            }
            return waits.count
        }
        if expired > 0 { logger.notice("requests expired", metadata: ["count": "\(expired)"]) }
        return expired
    }

    static func reason(_ wait: ExpiredWait) -> String {
        wait.mode == .email
            ? "expired: e-mail verification not completed in time (\(wait.confirmations) of \(wait.required) confirmed)"
            : "expired: not approved in time (\(wait.approvals) of \(wait.required) approvals)"
    }
}
