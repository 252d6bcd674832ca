/// An X.501 distinguished name as an ordered list of attributes, most general first
/// (e.g. `C`, `O`, `OU`, `CN`), which is the order they are encoded in.
public struct DistinguishedName: Sendable, Hashable, Codable, CustomStringConvertible {
    /// An attribute type, by its OpenSSL short name (`CN`, `O`, …).
    public struct AttributeType: RawRepresentable, Sendable, Hashable, Codable, CustomStringConvertible {
        public let rawValue: String

        public init(rawValue: String) {
            self.rawValue = rawValue
        }

        public static let commonName = AttributeType(rawValue: "CN")
        public static let organization = AttributeType(rawValue: "O")
        public static let organizationalUnit = AttributeType(rawValue: "OU")
        public static let country = AttributeType(rawValue: "C")
        public static let locality = AttributeType(rawValue: "L")
        public static let stateOrProvince = AttributeType(rawValue: "ST")
        public static let emailAddress = AttributeType(rawValue: "emailAddress")
        public static let serialNumber = AttributeType(rawValue: "serialNumber")
        public static let domainComponent = AttributeType(rawValue: "DC")
        public static let userID = AttributeType(rawValue: "UID")
        public static let givenName = AttributeType(rawValue: "GN")
        public static let surname = AttributeType(rawValue: "SN")
        public static let title = AttributeType(rawValue: "title")

        public var description: String { rawValue }
    }

    /// One attribute and its (UTF-8) value.
    public struct Attribute: Sendable, Hashable, Codable {
        public let type: AttributeType
        public let value: String

        public init(_ type: AttributeType, _ value: String) {
            self.type = type
            self.value = value
        }
    }

    /// The attributes in encoding order.
    public var attributes: [Attribute]

    public init(_ attributes: [Attribute] = []) {
        self.attributes = attributes
    }

    /// Convenience: `DistinguishedName([(.country, "DE"), (.commonName, "x")])`.
    public init(_ pairs: [(AttributeType, String)]) {
        self.attributes = pairs.map { Attribute($0.0, $0.1) }
    }

    /// True if the name has no attributes (then SANs must identify the subject).
    public var isEmpty: Bool { attributes.isEmpty }

    /// The first common name, if any.
    public var commonName: String? { attributes.first { $0.type == .commonName }?.value }

    /// A readable one-line form in encoding order, e.g. `C=DE, O=Example, CN=host`.
    /// Commas, plus signs and backslashes in values are escaped.
    public var description: String {
        attributes.map { attribute in
            var escaped = ""
            for character in attribute.value {
                if ",+\\=<>#;\"".contains(character) { escaped.append("\\") }
                escaped.append(character)
            }
            return "\(attribute.type.rawValue)=\(escaped)"
        }.joined(separator: ", ")
    }
}
