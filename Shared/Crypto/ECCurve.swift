/// The named elliptic curves CLM supports (NIST P-256, P-384, P-521).
public enum ECCurve: String, Sendable, Hashable, Codable, CaseIterable {
    case p256 = "P-256"
    case p384 = "P-384"
    case p521 = "P-521"

    /// Accepts `P-256`, `p256`, `prime256v1`, `secp256r1` and the like, case-insensitively.
    public init?(name: String) {
        switch name.lowercased() {
        case "p-256", "p256", "prime256v1", "secp256r1": self = .p256
        case "p-384", "p384", "secp384r1": self = .p384
        case "p-521", "p521", "secp521r1": self = .p521
        default: return nil
        }
    }

    /// OpenSSL's group name for the curve.
    var openSSLGroupName: String {
        switch self {
        case .p256: "prime256v1"
        case .p384: "secp384r1"
        case .p521: "secp521r1"
        }
    }

    /// The field size in bits.
    public var bits: Int {
        switch self {
        case .p256: 256
        case .p384: 384
        case .p521: 521
        }
    }
}
