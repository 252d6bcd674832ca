import CLMContracts
import Foundation

/// Renewal: a new request for the same end entities under the policy's latest version, judged
/// like any submission (so a policy or entity that changed can block it, with the reasons), and
/// linked to the certificate it renews.
enum RenewalRules {
    /// The original's requester renews; so may a realm admin (who needs the requester role to
    /// submit at all, and becomes the renewal's requester).
    static func check(
        _ original: RequestSubmitted, state: RequestState, serialNumber: String, caller: String, isRealmAdmin: Bool
    ) throws -> [String] {
        guard isRealmAdmin || caller == original.requester else {
            throw Problem.forbidden(
                "not-requester", "only the certificate's requester or a realm-admin may renew \(serialNumber)")
        }
        guard state == .issued else {
            throw Problem.conflict("not-issued", "request \(original.request.lowercasedString) is \(state.rawValue)")
        }
        guard let entities = original.entities, !entities.isEmpty else {
            throw Problem.conflict(
                "renewal-unavailable",
                "certificate \(serialNumber) was requested before CLM recorded end entities with requests; "
                    + "submit a new request instead")
        }
        return entities
    }

    /// Whether `renewal`, as judged now, asks for exactly what the approvers once let through.
    static func isUnchanged(_ renewal: RequestSubmitted, original: RequestSubmitted) -> Bool {
        renewal.policy == original.policy && renewal.policyVersion == original.policyVersion
            && renewal.entities == original.entities && renewal.subject == original.subject
            && renewal.alternativeNames == original.alternativeNames && renewal.ca == original.ca
    }

    /// The judged renewal, linked to the original; approved automatically when nothing changed
    /// and the policy says renewals of unchanged requests need no approval.
    static func linking(
        _ judged: RequestSubmitted, to original: RequestSubmitted, serialNumber: String, revokeOnIssue: Bool,
        policy: PolicyDocument
    ) -> RequestSubmitted {
        var renewal = judged
        renewal.renewalOf = RenewalOf(
            request: original.request, ca: original.ca, serialNumber: serialNumber, revokeOnIssue: revokeOnIssue)
        if policy.approval.automaticRenewal == true && isUnchanged(judged, original: original) {
            renewal.approval = PolicyDocument.Approval(mode: .automatic, automaticRenewal: true)
            renewal.verificationEmails = nil
        }
        return renewal
    }
}
