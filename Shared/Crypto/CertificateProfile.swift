/// What a certificate may be used for: key usage, extended key usage and basic constraints.
///
/// A policy fixes the profile; the builder encodes it as critical `keyUsage` and
/// `basicConstraints` and a non-critical `extendedKeyUsage` (omitted when empty).
public struct CertificateProfile: Sendable, Hashable, Codable {
    /// Key usage bits; an empty list omits the extension.
    public var keyUsage: [KeyUsage]
    /// Extended key usages; an empty list omits the extension.
    public var extendedKeyUsage: [ExtendedKeyUsage]
    /// Whether the subject is a CA (`basicConstraints cA`).
    public var isCA: Bool
    /// The CA path length constraint; ignored unless `isCA`.
    public var pathLength: Int?

    public init(
        keyUsage: [KeyUsage], extendedKeyUsage: [ExtendedKeyUsage] = [], isCA: Bool = false, pathLength: Int? = nil
    ) {
        self.keyUsage = keyUsage
        self.extendedKeyUsage = extendedKeyUsage
        self.isCA = isCA
        self.pathLength = pathLength
    }

    /// A TLS server leaf: digitalSignature, serverAuth. (Add keyEncipherment only for RSA keys that
    /// must serve TLS 1.2 RSA key transport; it is wrong for EC and EdDSA keys.)
    public static let tlsServer = CertificateProfile(keyUsage: [.digitalSignature], extendedKeyUsage: [.serverAuth])
    /// A TLS client leaf.
    public static let tlsClient = CertificateProfile(keyUsage: [.digitalSignature], extendedKeyUsage: [.clientAuth])
    /// A root CA with no path length limit.
    public static let rootCA = CertificateProfile(keyUsage: [.keyCertSign, .cRLSign], isCA: true)

    /// An intermediate (issuing) CA with the given path length.
    public static func issuingCA(pathLength: Int? = 0) -> CertificateProfile {
        CertificateProfile(keyUsage: [.keyCertSign, .cRLSign, .digitalSignature], isCA: true, pathLength: pathLength)
    }
}
