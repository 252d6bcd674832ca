import CLMContracts
import Foundation
import Logging

/// Takes a CA out of service (HSM maintenance, key ceremony, an incident) or back into it.
/// While it is out, requests wait and retry with backoff instead of failing at once; when it
/// is back, what waits for it goes at once, not at its next backoff step.
struct SetCAAvailability: Sendable {
    let store: any CAGatewayStore

    /// The CA's availability after the change: its suspension reason, nil when available.
    func callAsFunction(
        _ authority: CertificateAuthority, available: Bool, reason: String?, by actor: String, logger: Logger
    ) async throws -> String? {
        let reason = reason?.trimmingCharacters(in: .whitespacesAndNewlines)
        if !available && (reason ?? "").isEmpty {
            throw Problem.invalid("missing-field", "reason: say why the CA is taken out of service")
        }
        if let reason, reason.count > 500 { throw Problem.invalid("invalid-field", "reason: at most 500 characters") }
        let stored = available ? nil : reason
        try await store.transaction(logger: logger) { tx in
            try await tx.setSuspended(ca: authority.name, reason: stored)
            try await tx.audit(
                realm: AuditRecord.platformRealm, actor: actor, action: available ? "ca.resumed" : "ca.suspended",
                target: "ca/\(authority.name)", details: stored ?? "")
            if available { try await tx.resumeRetries(ca: authority.name) }
        }
        logger.notice(
            "CA availability changed",
            metadata: ["ca": "\(authority.name)", "available": "\(available)", "by": "\(actor)"])
        return stored
    }
}
