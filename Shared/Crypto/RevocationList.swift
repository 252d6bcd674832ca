import COpenSSL
import Foundation

/// A parsed X.509 CRL, held as its DER bytes plus the fields CLM reads back (e.g. the last CRL
/// number, so the next one can be larger).
public struct RevocationList: Sendable, Hashable {
    /// The DER encoding.
    public let der: [UInt8]
    /// The issuer in RFC 2253 form.
    public let issuer: String
    /// When the CRL was issued.
    public let thisUpdate: Date
    /// When the next CRL is due, if the CRL says.
    public let nextUpdate: Date?
    /// The cRLNumber extension, if present and no larger than 64 bits.
    public let crlNumber: UInt64?
    /// The entries in the CRL's order (sorted by serial for CRLs from ``RevocationListBuilder``).
    public let entries: [RevokedCertificate]

    /// Parses a DER CRL.
    ///
    /// - Throws: ``CryptoError/malformedInput`` if it is not a CRL or an entry is unreadable.
    public init(der: [UInt8]) throws {
        let crl = try OpenSSLSupport.decodeDER(der, what: "CRL", { d2i_X509_CRL(nil, $0, $1) }, free: X509_CRL_free)
        defer { X509_CRL_free(crl) }
        self.der = der
        self.issuer = OpenSSLSupport.nameString(X509_CRL_get_issuer(crl))
        self.thisUpdate = try ASN1Values.date(X509_CRL_get0_lastUpdate(crl), what: "CRL thisUpdate")
        self.nextUpdate = try X509_CRL_get0_nextUpdate(crl).map { try ASN1Values.date($0, what: "CRL nextUpdate") }
        self.crlNumber = Self.number(crl)
        self.entries = try Self.entries(crl)
    }

    /// Parses the first `X509 CRL` block of a PEM text.
    public init(pem: String) throws {
        try self.init(der: PEM.decode(pem, expecting: ["X509 CRL"]))
    }

    /// The CRL as an `X509 CRL` PEM block (the label `openssl crl` and most servers expect).
    public var pem: String { PEM.encode(label: "X509 CRL", der: der) }

    /// Checks that `issuer`'s key signed this CRL (signature only; no name or time checks).
    public func isSigned(by issuer: Certificate) -> Bool {
        guard
            let crl = try? OpenSSLSupport.decodeDER(
                der, what: "CRL", { d2i_X509_CRL(nil, $0, $1) }, free: X509_CRL_free)
        else { return false }
        defer { X509_CRL_free(crl) }
        return (try? issuer.publicKey.withEVPKey { X509_CRL_verify(crl, $0) == 1 }) ?? false
    }

    private static func number(_ crl: OpaquePointer) -> UInt64? {
        guard let raw = X509_CRL_get_ext_d2i(crl, NID_crl_number, nil, nil) else { return nil }
        let integer = raw.assumingMemoryBound(to: ASN1_INTEGER.self)
        defer { ASN1_INTEGER_free(integer) }
        var value: UInt64 = 0
        return ASN1_INTEGER_get_uint64(&value, integer) == 1 ? value : nil
    }

    private static func entries(_ crl: OpaquePointer) throws -> [RevokedCertificate] {
        guard let stack = X509_CRL_get_REVOKED(crl) else { return [] }
        var result: [RevokedCertificate] = []
        for index in 0..<OPENSSL_sk_num(stack) {
            guard let raw = OPENSSL_sk_value(stack, index) else { continue }
            let revoked = OpaquePointer(raw)
            let serial = try ASN1Values.serial(X509_REVOKED_get0_serialNumber(revoked), what: "CRL entry")
            let date = try ASN1Values.date(X509_REVOKED_get0_revocationDate(revoked), what: "CRL revocation date")
            result.append(RevokedCertificate(serialNumber: serial, revocationDate: date, reason: try reason(revoked)))
        }
        return result
    }

    private static func reason(_ revoked: OpaquePointer) throws -> RevocationReason {
        var critical: Int32 = 0
        guard let raw = X509_REVOKED_get_ext_d2i(revoked, NID_crl_reason, &critical, nil) else {
            // -1: absent, which means unspecified; anything else: duplicated or unparsable.
            guard critical == -1 else { throw CryptoError(.malformedInput, "CRL entry has an unreadable reason code") }
            return .unspecified
        }
        let code = raw.assumingMemoryBound(to: ASN1_ENUMERATED.self)
        defer { ASN1_ENUMERATED_free(code) }
        guard let reason = RevocationReason(code: ASN1_ENUMERATED_get(code)) else {
            throw CryptoError(.malformedInput, "CRL entry has a reason code CLM does not use")
        }
        return reason
    }
}
