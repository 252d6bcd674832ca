/// Every event type CLM publishes. The suffix is the schema version: a breaking change to a
/// payload gets a new case, and consumers keep reading the old one until it is retired.
public enum EventType: String, Codable, Sendable, CaseIterable {
    case realmSnapshot = "clm.registry.realm.v1"
    case policySnapshot = "clm.registry.policy.v1"
    case endEntitySnapshot = "clm.registry.end-entity.v1"
    case memberSnapshot = "clm.registry.member.v1"
    case requestSubmitted = "clm.request.submitted.v1"
    case requestApproved = "clm.request.approved.v1"
    case requestDeclined = "clm.request.declined.v1"
    case requestFailed = "clm.request.failed.v1"
    case requestAwaiting = "clm.request.awaiting.v1"
    case requestExpired = "clm.request.expired.v1"
    case requestDelayed = "clm.request.delayed.v1"
    case keyDestroyed = "clm.key.destroyed.v1"
    case keyGenerated = "clm.key.generated.v1"
    case certificateIssued = "clm.certificate.issued.v1"
    case certificateRevoked = "clm.certificate.revoked.v1"
    case certificateExpiring = "clm.certificate.expiring.v1"
    case certificateExpired = "clm.certificate.expired.v1"
    case auditRecord = "clm.audit.record.v1"
    case submitCommand = "clm.request.submit.v1"
    case commandResult = "clm.request.command-result.v1"
    case revokeCommand = "clm.certificate.revoke.v1"

    /// The topic an event of this type is published on.
    public var topic: Topic {
        switch self {
        case .realmSnapshot, .policySnapshot, .endEntitySnapshot, .memberSnapshot: .registry
        case .requestSubmitted, .requestApproved, .requestDeclined, .requestFailed, .requestAwaiting, .requestExpired,
            .requestDelayed, .keyGenerated, .keyDestroyed, .certificateIssued:
            .requestEvents
        case .auditRecord, .certificateRevoked, .certificateExpiring, .certificateExpired: .lifecycle
        case .submitCommand, .revokeCommand: .requestCommands
        case .commandResult: .requestEvents
        }
    }

    /// File name of the JSON Schema describing this type's whole envelope, under `Schemas/`.
    public var schemaFileName: String { rawValue + ".schema.json" }
}
