/// A versioned event body. It knows its CloudEvents type, and through it its topic and JSON
/// Schema, so publishing and dispatch are typed: nothing names an event type as a string.
public protocol EventPayload: Codable, Sendable {
    static var eventType: EventType { get }
    /// Top-level fields of the payload that hold credentials (a command's bearer token): a
    /// copy of the event kept anywhere else (the dead-letter topic) has them replaced.
    static var secretFields: [String] { get }
}

extension EventPayload {
    /// The topic events of this type are published on.
    public static var topic: Topic { eventType.topic }
    public static var secretFields: [String] { [] }
}

/// Every payload type, one per `EventType` (a test holds the two lists in step).
public enum EventPayloads {
    public static let all: [any EventPayload.Type] = [
        RealmSnapshot.self, PolicySnapshot.self, EndEntitySnapshot.self, MemberSnapshot.self,
        RequestSubmitted.self, RequestApproved.self, RequestDeclined.self, RequestFailed.self,
        RequestAwaiting.self, RequestExpired.self, RequestDelayed.self, KeyDestroyed.self, KeyGenerated.self,
        CertificateIssued.self, AuditRecord.self, SubmitCommand.self, CommandResult.self, CertificateRevoked.self,
        RevokeCommand.self, CertificateExpiring.self, CertificateExpired.self,
    ]

    /// The payload type of an event type.
    public static func type(of eventType: EventType) -> (any EventPayload.Type)? {
        all.first { $0.eventType == eventType }
    }

    /// Every credential field any payload declares: what to look for in bytes whose type
    /// cannot be told.
    public static let allSecretFields: [String] = Array(Set(all.flatMap { $0.secretFields })).sorted()
}

extension RealmSnapshot: EventPayload { public static var eventType: EventType { .realmSnapshot } }
extension PolicySnapshot: EventPayload { public static var eventType: EventType { .policySnapshot } }
extension EndEntitySnapshot: EventPayload { public static var eventType: EventType { .endEntitySnapshot } }
extension MemberSnapshot: EventPayload { public static var eventType: EventType { .memberSnapshot } }
extension RequestSubmitted: EventPayload { public static var eventType: EventType { .requestSubmitted } }
extension RequestApproved: EventPayload { public static var eventType: EventType { .requestApproved } }
extension RequestDeclined: EventPayload { public static var eventType: EventType { .requestDeclined } }
extension RequestFailed: EventPayload { public static var eventType: EventType { .requestFailed } }
extension RequestAwaiting: EventPayload { public static var eventType: EventType { .requestAwaiting } }
extension RequestExpired: EventPayload { public static var eventType: EventType { .requestExpired } }
extension RequestDelayed: EventPayload { public static var eventType: EventType { .requestDelayed } }
extension KeyDestroyed: EventPayload { public static var eventType: EventType { .keyDestroyed } }
extension KeyGenerated: EventPayload { public static var eventType: EventType { .keyGenerated } }
extension CertificateIssued: EventPayload { public static var eventType: EventType { .certificateIssued } }
extension AuditRecord: EventPayload { public static var eventType: EventType { .auditRecord } }
extension SubmitCommand: EventPayload {
    public static var eventType: EventType { .submitCommand }
    public static var secretFields: [String] { ["token", "keyPassword"] }
}
extension CommandResult: EventPayload { public static var eventType: EventType { .commandResult } }
extension CertificateRevoked: EventPayload { public static var eventType: EventType { .certificateRevoked } }
extension CertificateExpiring: EventPayload { public static var eventType: EventType { .certificateExpiring } }
extension CertificateExpired: EventPayload { public static var eventType: EventType { .certificateExpired } }
extension RevokeCommand: EventPayload {
    public static var eventType: EventType { .revokeCommand }
    public static var secretFields: [String] { ["token"] }
}
