/// Why a certificate was revoked: the RFC 5280 §5.3.1 `CRLReason` values CLM lets an operator pick.
///
/// `cACompromise`, `certificateHold`, `removeFromCRL` and `aACompromise` are left out on purpose:
/// CLM never suspends certificates and handles a CA compromise by replacing the CA, not per leaf.
public enum RevocationReason: String, Sendable, Hashable, Codable, CaseIterable {
    case unspecified
    case keyCompromise
    case affiliationChanged
    case superseded
    case cessationOfOperation
    case privilegeWithdrawn

    /// The `CRLReason` ENUMERATED value.
    public var code: Int {
        switch self {
        case .unspecified: 0
        case .keyCompromise: 1
        case .affiliationChanged: 3
        case .superseded: 4
        case .cessationOfOperation: 5
        case .privilegeWithdrawn: 9
        }
    }

    /// The reason with this `CRLReason` value, or `nil` for a value CLM does not use.
    public init?(code: Int) {
        guard let reason = Self.allCases.first(where: { $0.code == code }) else { return nil }
        self = reason
    }

    /// Whether the reason is encoded at all: RFC 5280 §5.3.1 says to omit the reasonCode
    /// extension rather than write `unspecified`, and RFC 6960 responses follow the same rule here.
    var isEncoded: Bool { self != .unspecified }
}
