import COpenSSL
import Foundation

/// A parsed X.509 certificate, held as its DER bytes plus the fields CLM reads.
///
/// Parsing happens once, in the initialiser; the value is then plain Swift data.
public struct Certificate: Sendable, Hashable {
    /// The DER encoding.
    public let der: [UInt8]
    /// The serial number as uppercase hex.
    public let serialNumberHex: String
    /// The subject in RFC 2253 form (most specific attribute first), e.g. `CN=host,O=Example,C=DE`.
    public let subject: String
    /// The issuer in RFC 2253 form.
    public let issuer: String
    /// Start of validity.
    public let notBefore: Date
    /// End of validity.
    public let notAfter: Date
    /// The subject's public key.
    public let publicKey: PublicKeyInfo
    /// The subject alternative names (DNS, IP, e-mail, URI entries; other kinds are skipped).
    public let subjectAlternativeNames: [SubjectAlternativeName]
    /// Whether basicConstraints marks the subject as a CA.
    public let isCA: Bool
    /// The subjectKeyIdentifier extension, if present.
    public let subjectKeyIdentifier: [UInt8]?
    /// The keyIdentifier of the authorityKeyIdentifier extension, if present.
    public let authorityKeyIdentifier: [UInt8]?

    /// Parses a DER certificate.
    ///
    /// - Throws: ``CryptoError/malformedInput`` if it is not a certificate; the errors of
    ///   ``PublicKeyInfo/init(spkiDER:)`` if its key is unsupported or weak.
    public init(der: [UInt8]) throws {
        let x509 = try OpenSSLSupport.decodeDER(der, what: "certificate", { d2i_X509(nil, $0, $1) }, free: X509_free)
        defer { X509_free(x509) }
        try self.init(x509: x509, der: der)
    }

    /// Parses the first `CERTIFICATE` block of a PEM text.
    public init(pem: String) throws {
        try self.init(der: PEM.decode(pem, expecting: ["CERTIFICATE"]))
    }

    /// Parses every `CERTIFICATE` block of a PEM text (e.g. a chain file), in order, skipping
    /// blocks that are not certificates or do not parse.
    public static func parseChain(pem: String) -> [Certificate] {
        guard let blocks = try? PEM.decodeAll(pem) else { return [] }
        return blocks.filter { $0.label == "CERTIFICATE" }.compactMap { try? Certificate(der: $0.der) }
    }

    /// The certificate as a `CERTIFICATE` PEM block.
    public var pem: String { PEM.encode(label: "CERTIFICATE", der: der) }

    /// SHA-256 over the DER, lowercase hex.
    public var fingerprintSHA256Hex: String { OpenSSLSupport.hex(OpenSSLSupport.digest(der)) }

    /// True if `notBefore ≤ date ≤ notAfter`.
    public func isValid(at date: Date) -> Bool { notBefore <= date && date <= notAfter }

    /// Checks that `issuer`'s key signed this certificate (signature only; no path or name checks).
    public func isSigned(by issuer: Certificate) -> Bool {
        guard let x509 = try? withX509({ $0 }) else { return false }
        defer { X509_free(x509) }
        return (try? issuer.publicKey.withEVPKey { X509_verify(x509, $0) == 1 }) ?? false
    }

    /// Decodes the DER again and hands the caller ownership of the `X509*` (caller frees).
    func withX509<Result>(_ body: (OpaquePointer) throws -> Result) throws -> Result {
        let x509 = try OpenSSLSupport.decodeDER(der, what: "certificate", { d2i_X509(nil, $0, $1) }, free: X509_free)
        return try body(x509)
    }

    private init(x509: OpaquePointer, der: [UInt8]) throws {
        self.der = der
        guard let serial = X509_get0_serialNumber(x509), let number = ASN1_INTEGER_to_BN(serial, nil) else {
            throw OpenSSLSupport.failure("certificate serial number is unreadable", code: .malformedInput)
        }
        defer { BN_free(number) }
        guard let hexText = BN_bn2hex(number) else { throw OpenSSLSupport.failure("BN_bn2hex failed") }
        self.serialNumberHex = String(cString: hexText)
        clm_openssl_free(hexText)

        self.subject = OpenSSLSupport.nameString(X509_get_subject_name(x509))
        self.issuer = OpenSSLSupport.nameString(X509_get_issuer_name(x509))
        self.notBefore = try ASN1Values.date(X509_get0_notBefore(x509), what: "certificate notBefore")
        self.notAfter = try ASN1Values.date(X509_get0_notAfter(x509), what: "certificate notAfter")

        guard let key = X509_get0_pubkey(x509) else {
            throw OpenSSLSupport.failure("certificate public key is unreadable", code: .malformedInput)
        }
        self.publicKey = try PublicKeyInfo(evpKey: key)

        let flags = X509_get_extension_flags(x509)
        if flags & UInt32(EXFLAG_INVALID) != 0 {
            _ = OpenSSLSupport.drainErrors()
            throw CryptoError(.malformedInput, "certificate has invalid or duplicate extensions")
        }
        self.isCA = flags & UInt32(EXFLAG_BCONS) != 0 && flags & UInt32(EXFLAG_CA) != 0
        self.subjectKeyIdentifier = X509_get0_subject_key_id(x509).map(ASN1Values.bytes)
        self.authorityKeyIdentifier = X509_get0_authority_key_id(x509).map(ASN1Values.bytes)
        self.subjectAlternativeNames = Self.alternativeNames(x509)
    }

    private static func alternativeNames(_ x509: OpaquePointer) -> [SubjectAlternativeName] {
        guard let raw = X509_get_ext_d2i(x509, NID_subject_alt_name, nil, nil) else { return [] }
        let names = OpaquePointer(raw)
        defer { GENERAL_NAMES_free(names) }
        var result: [SubjectAlternativeName] = []
        for index in 0..<clm_general_names_count(names) {
            guard let name = clm_general_names_value(names, index) else { continue }
            var type: Int32 = 0
            guard let value = GENERAL_NAME_get0_value(name, &type) else { continue }
            let content = ASN1Values.bytes(value.assumingMemoryBound(to: ASN1_STRING.self))
            switch type {
            case GEN_DNS: result.append(.dns(String(decoding: content, as: UTF8.self)))
            case GEN_EMAIL: result.append(.email(String(decoding: content, as: UTF8.self)))
            case GEN_URI: result.append(.uri(String(decoding: content, as: UTF8.self)))
            case GEN_IPADD:
                if let text = IPAddress.format(content) { result.append(.ip(text)) }
            default: continue
            }
        }
        return result
    }
}
