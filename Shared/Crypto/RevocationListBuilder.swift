import COpenSSL
import Foundation

/// Builds and signs an RFC 5280 v2 CRL for one issuing CA from exactly these inputs.
///
/// The caller owns the CRL number and must pass a larger one for every CRL it publishes (RFC 5280
/// §5.2.3); the builder cannot know the previous one. Extensions written: cRLNumber and
/// authorityKeyIdentifier (the issuer's key id, so relying parties pick the right CA key after a
/// rekey), both non-critical; per entry a reasonCode unless the reason is `unspecified`. Entries
/// are sorted by serial. The digest follows the issuer key as in ``CertificateBuilder``.
public struct RevocationListBuilder: Sendable {
    /// The CRL number; must grow with every CRL of this issuer.
    public var crlNumber: UInt64
    /// When this CRL was issued.
    public var thisUpdate: Date
    /// When the next CRL will be issued at the latest; must be later than ``thisUpdate``.
    public var nextUpdate: Date
    /// The revoked certificates; an empty list gives a valid, empty CRL.
    public var entries: [RevokedCertificate]

    public init(crlNumber: UInt64, thisUpdate: Date, nextUpdate: Date, entries: [RevokedCertificate] = []) {
        self.crlNumber = crlNumber
        self.thisUpdate = thisUpdate
        self.nextUpdate = nextUpdate
        self.entries = entries
    }

    /// Signs the CRL.
    ///
    /// - Throws: ``CryptoError/malformedInput`` for an empty update window, a serial listed twice, or an
    ///   issuer that is not a CA allowed to sign CRLs; ``CryptoError/keyMismatch`` if `issuerKey` does not
    ///   belong to `issuer`.
    public func sign(issuer: Certificate, issuerKey: PrivateKey) throws -> RevocationList {
        guard nextUpdate > thisUpdate else {
            throw CryptoError(.malformedInput, "nextUpdate must be later than thisUpdate")
        }
        guard Set(entries.map(\.serialNumber)).count == entries.count else {
            throw CryptoError(.malformedInput, "a serial number is listed more than once")
        }
        let issuerX509 = try IssuerCheck.signer(issuer, key: issuerKey, usage: UInt32(KU_CRL_SIGN), what: "CRLs")
        defer { X509_free(issuerX509) }

        guard let crl = X509_CRL_new() else { throw OpenSSLSupport.failure("X509_CRL_new failed") }
        defer { X509_CRL_free(crl) }
        guard X509_CRL_set_version(crl, Int(X509_CRL_VERSION_2)) == 1,
            X509_CRL_set_issuer_name(crl, X509_get_subject_name(issuerX509)) == 1
        else {
            throw OpenSSLSupport.failure("setting the CRL version and issuer failed")
        }
        try setUpdateTimes(crl)
        for entry in entries {
            try add(entry, to: crl)
        }
        guard X509_CRL_sort(crl) == 1 else { throw OpenSSLSupport.failure("X509_CRL_sort failed") }
        try addExtensions(crl, issuer: issuerX509)

        guard X509_CRL_sign(crl, issuerKey.pointer, issuerKey.signingDigest) > 0 else {
            throw OpenSSLSupport.failure("signing the CRL failed")
        }
        return try RevocationList(der: OpenSSLSupport.encodeDER { i2d_X509_CRL(crl, $0) })
    }

    private func setUpdateTimes(_ crl: OpaquePointer) throws {
        let this = try ASN1Values.makeTime(thisUpdate)
        defer { ASN1_TIME_free(this) }
        let next = try ASN1Values.makeTime(nextUpdate)
        defer { ASN1_TIME_free(next) }
        guard X509_CRL_set1_lastUpdate(crl, this) == 1, X509_CRL_set1_nextUpdate(crl, next) == 1 else {
            throw OpenSSLSupport.failure("setting the CRL update times failed")
        }
    }

    private func add(_ entry: RevokedCertificate, to crl: OpaquePointer) throws {
        guard let revoked = X509_REVOKED_new() else { throw OpenSSLSupport.failure("X509_REVOKED_new failed") }
        var owned = true
        defer { if owned { X509_REVOKED_free(revoked) } }
        let serial = try ASN1Values.makeInteger(entry.serialNumber)
        defer { ASN1_INTEGER_free(serial) }
        let date = try ASN1Values.makeTime(entry.revocationDate)
        defer { ASN1_TIME_free(date) }
        guard X509_REVOKED_set_serialNumber(revoked, serial) == 1,
            X509_REVOKED_set_revocationDate(revoked, date) == 1
        else {
            throw OpenSSLSupport.failure("setting a CRL entry's serial and date failed")
        }
        if entry.reason.isEncoded {
            guard let code = ASN1_ENUMERATED_new() else { throw OpenSSLSupport.failure("ASN1_ENUMERATED_new failed") }
            defer { ASN1_ENUMERATED_free(code) }
            guard ASN1_ENUMERATED_set(code, entry.reason.code) == 1,
                X509_REVOKED_add1_ext_i2d(revoked, NID_crl_reason, code, 0, UInt(X509V3_ADD_DEFAULT)) == 1
            else {
                throw OpenSSLSupport.failure("adding a CRL entry's reason code failed")
            }
        }
        // The CRL takes ownership of the entry on success only.
        guard X509_CRL_add0_revoked(crl, revoked) == 1 else {
            throw OpenSSLSupport.failure("adding a CRL entry failed")
        }
        owned = false
    }

    private func addExtensions(_ crl: OpaquePointer, issuer: OpaquePointer) throws {
        let number = try ASN1Values.makeInteger(crlNumber)
        defer { ASN1_INTEGER_free(number) }
        guard X509_CRL_add1_ext_i2d(crl, NID_crl_number, number, 0, UInt(X509V3_ADD_DEFAULT)) == 1 else {
            throw OpenSSLSupport.failure("adding the CRL number failed")
        }
        guard let authority = AUTHORITY_KEYID_new() else { throw OpenSSLSupport.failure("AUTHORITY_KEYID_new failed") }
        defer { AUTHORITY_KEYID_free(authority) }
        authority.pointee.keyid = try ASN1Values.makeOctetString(IssuerCheck.keyIdentifier(issuer))
        guard X509_CRL_add1_ext_i2d(crl, NID_authority_key_identifier, authority, 0, UInt(X509V3_ADD_DEFAULT)) == 1
        else {
            throw OpenSSLSupport.failure("adding the authority key identifier failed")
        }
    }
}
