/// A subject alternative name entry (RFC 5280 §4.2.1.6).
public enum SubjectAlternativeName: Sendable, Hashable, Codable, CustomStringConvertible {
    /// A DNS name (ASCII / A-labels), e.g. `host.example.com`.
    case dns(String)
    /// An IPv4 or IPv6 address in textual form.
    case ip(String)
    /// An RFC 822 e-mail address.
    case email(String)
    /// A URI.
    case uri(String)

    public var description: String {
        switch self {
        case .dns(let value): "DNS:\(value)"
        case .ip(let value): "IP:\(value)"
        case .email(let value): "email:\(value)"
        case .uri(let value): "URI:\(value)"
        }
    }
}
