/// Where relying parties find out about an issued certificate's issuer: its CRL, its OCSP
/// responder and its own certificate. An issuing CA sets these once; every leaf it signs carries them.
///
/// All lists empty (the default) writes no extension, so certificates look exactly as before.
/// URLs are written as given (IA5String URIs); they must be printable ASCII with a scheme.
public struct CertificateLinks: Sendable, Hashable, Codable {
    /// cRLDistributionPoints: one distribution point whose full name lists these URLs (alternatives for the same CRL).
    public var crlDistributionPoints: [String]
    /// authorityInformationAccess `id-ad-ocsp` locations.
    public var ocspResponders: [String]
    /// authorityInformationAccess `id-ad-caIssuers` locations (where the issuer's certificate is published).
    public var caIssuers: [String]

    public init(crlDistributionPoints: [String] = [], ocspResponders: [String] = [], caIssuers: [String] = []) {
        self.crlDistributionPoints = crlDistributionPoints
        self.ocspResponders = ocspResponders
        self.caIssuers = caIssuers
    }

    /// No links at all.
    public static let none = CertificateLinks()

    /// Checks every URL: non-empty printable ASCII without spaces, starting with an RFC 3986 scheme.
    ///
    /// - Throws: ``CryptoError/malformedInput`` naming the first bad URL (truncated).
    func validate() throws {
        for url in crlDistributionPoints + ocspResponders + caIssuers where !Self.isURI(url) {
            throw CryptoError(.malformedInput, "\"\(url.prefix(64))\" is not a printable URI with a scheme")
        }
    }

    private static func isURI(_ text: String) -> Bool {
        let bytes = Array(text.utf8)
        guard !bytes.isEmpty, bytes.count <= 2048, bytes.allSatisfy({ $0 > 0x20 && $0 < 0x7F }),
            let colon = bytes.firstIndex(of: UInt8(ascii: ":")), colon > 0, colon + 1 < bytes.count
        else { return false }
        let scheme = bytes[..<colon]
        func isLetter(_ byte: UInt8) -> Bool { byte | 0x20 >= 0x61 && byte | 0x20 <= 0x7A }
        return isLetter(scheme[scheme.startIndex])
            && scheme.allSatisfy { isLetter($0) || ($0 >= 0x30 && $0 <= 0x39) || "+-.".utf8.contains($0) }
    }
}
