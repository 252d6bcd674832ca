/// A person, device or service of a realm's directory. The certificate's subject and SANs
/// come only from these attributes, mapped through the policy.
public struct EndEntity: Codable, Sendable, Equatable {
    public enum Kind: String, Codable, Sendable { case person, device, service }

    public var id: String
    public var kind: Kind
    public var attributes: Attributes

    public init(id: String, kind: Kind, attributes: Attributes) {
        self.id = id
        self.kind = kind
        self.attributes = attributes
    }

    public struct Attributes: Codable, Sendable, Equatable {
        public var commonName: String?
        public var email: String?
        public var organization: String?
        public var organizationalUnit: String?
        public var country: String?
        public var locality: String?
        public var state: String?
        public var dnsNames: [String]?
        public var ipAddresses: [String]?
        public var uris: [String]?

        public init(
            commonName: String? = nil, email: String? = nil, organization: String? = nil,
            organizationalUnit: String? = nil, country: String? = nil, locality: String? = nil,
            state: String? = nil, dnsNames: [String]? = nil, ipAddresses: [String]? = nil, uris: [String]? = nil
        ) {
            self.commonName = commonName
            self.email = email
            self.organization = organization
            self.organizationalUnit = organizationalUnit
            self.country = country
            self.locality = locality
            self.state = state
            self.dnsNames = dnsNames
            self.ipAddresses = ipAddresses
            self.uris = uris
        }
    }
}
