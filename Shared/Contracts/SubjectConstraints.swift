/// What a policy demands of the end entities' attributes. Every end entity of a request must
/// satisfy every rule; each failure is reported with the attribute and the rule it broke.
public struct SubjectConstraints: Codable, Sendable, Equatable {
    /// Rules per attribute, keyed by `EndEntity.Attributes` field name (`commonName`, `email`,
    /// `organization`, `organizationalUnit`, `country`, `locality`, `state`, `dnsNames`,
    /// `ipAddresses`, `uris`).
    public var attributes: [String: AttributeRule]?
    /// DNS names must equal one of these or end in `.` + one of these.
    public var allowedDNSSuffixes: [String]?
    /// E-mail addresses must be in one of these domains.
    public var allowedEmailDomains: [String]?
    /// IP addresses must fall in one of these CIDR ranges.
    public var allowedIPRanges: [String]?
    /// Bounds on the number of SANs the certificate will carry (all entities together).
    public var minSANs: Int?
    public var maxSANs: Int?

    public init(
        attributes: [String: AttributeRule]? = nil, allowedDNSSuffixes: [String]? = nil,
        allowedEmailDomains: [String]? = nil, allowedIPRanges: [String]? = nil, minSANs: Int? = nil, maxSANs: Int? = nil
    ) {
        self.attributes = attributes
        self.allowedDNSSuffixes = allowedDNSSuffixes
        self.allowedEmailDomains = allowedEmailDomains
        self.allowedIPRanges = allowedIPRanges
        self.minSANs = minSANs
        self.maxSANs = maxSANs
    }

    /// The attribute names a rule may name.
    public static let attributeNames: Set<String> = [
        "commonName", "email", "organization", "organizationalUnit", "country", "locality", "state", "dnsNames",
        "ipAddresses", "uris",
    ]

    /// A rule for one attribute.
    public struct AttributeRule: Codable, Sendable, Equatable {
        public enum Presence: String, Codable, Sendable { case required, optional, forbidden }
        /// Default `optional`.
        public var presence: Presence?
        /// The value must be exactly this (single-valued attributes only).
        public var value: String?
        /// Every value must match this regular expression, anchored at both ends.
        public var pattern: String?

        public init(presence: Presence? = nil, value: String? = nil, pattern: String? = nil) {
            self.presence = presence
            self.value = value
            self.pattern = pattern
        }
    }
}

extension EndEntity.Attributes {
    /// The values of an attribute by its field name; empty when absent.
    public func values(of name: String) -> [String] {
        switch name {
        case "commonName": commonName.map { [$0] } ?? []
        case "email": email.map { [$0] } ?? []
        case "organization": organization.map { [$0] } ?? []
        case "organizationalUnit": organizationalUnit.map { [$0] } ?? []
        case "country": country.map { [$0] } ?? []
        case "locality": locality.map { [$0] } ?? []
        case "state": state.map { [$0] } ?? []
        case "dnsNames": dnsNames ?? []
        case "ipAddresses": ipAddresses ?? []
        case "uris": uris ?? []
        default: []
        }
    }
}
