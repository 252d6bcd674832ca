/// A key usage bit (RFC 5280 §4.2.1.3); raw values are OpenSSL's names.
public enum KeyUsage: String, Sendable, Hashable, Codable, CaseIterable {
    case digitalSignature
    case nonRepudiation
    case keyEncipherment
    case dataEncipherment
    case keyAgreement
    case keyCertSign
    case cRLSign
    case encipherOnly
    case decipherOnly
}
