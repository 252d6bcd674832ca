/// An extended key usage purpose (RFC 5280 §4.2.1.12); raw values are OpenSSL's short names.
public enum ExtendedKeyUsage: String, Sendable, Hashable, Codable, CaseIterable {
    case serverAuth
    case clientAuth
    case codeSigning
    case emailProtection
    case timeStamping
    case ocspSigning = "OCSPSigning"
}
