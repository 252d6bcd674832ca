import COpenSSL
import Foundation

/// Builds and signs an X.509 v3 certificate from exactly these inputs and nothing else.
///
/// The builder never looks at a CSR: subject and SANs come from the caller (who maps end
/// entities through the policy), the key from a validated ``PublicKeyInfo``. It clamps nothing;
/// callers apply policy and CA limits to the validity before building.
///
/// Extensions written: basicConstraints (critical), keyUsage (critical, if any), extendedKeyUsage
/// (if any), subjectKeyIdentifier (SHA-1 of the key), authorityKeyIdentifier (key id), and
/// subjectAltName (critical when the subject is empty); and, only when set, cRLDistributionPoints,
/// authorityInfoAccess and certificatePolicies (see ``CertificateLinks``). The signature digest follows the
/// issuer key: SHA-256 for RSA and P-256, SHA-384 for P-384, SHA-512 for P-521, none for EdDSA.
public struct CertificateBuilder: Sendable {
    public var subject: DistinguishedName
    public var subjectAlternativeNames: [SubjectAlternativeName]
    public var publicKey: PublicKeyInfo
    public var serialNumber: SerialNumber
    public var notBefore: Date
    public var notAfter: Date
    public var profile: CertificateProfile
    /// CRL, OCSP and CA-issuer URLs; none by default.
    public var links: CertificateLinks
    /// Certificate policy OIDs in dotted form (no qualifiers); none by default.
    public var certificatePolicies: [String]

    public init(
        subject: DistinguishedName,
        subjectAlternativeNames: [SubjectAlternativeName] = [],
        publicKey: PublicKeyInfo,
        serialNumber: SerialNumber = .random(),
        notBefore: Date,
        notAfter: Date,
        profile: CertificateProfile,
        links: CertificateLinks = .none,
        certificatePolicies: [String] = []
    ) {
        self.subject = subject
        self.subjectAlternativeNames = subjectAlternativeNames
        self.publicKey = publicKey
        self.serialNumber = serialNumber
        self.notBefore = notBefore
        self.notAfter = notAfter
        self.profile = profile
        self.links = links
        self.certificatePolicies = certificatePolicies
    }

    /// Signs the certificate.
    ///
    /// - Parameters:
    ///   - issuer: The issuing CA's certificate, or `nil` for a self-signed certificate (then
    ///     `issuerKey` must be the private half of ``publicKey``).
    ///   - issuerKey: The key that signs.
    /// - Throws: ``CryptoError/malformedInput`` for bad inputs (empty validity, no subject and no SANs,
    ///   invalid attribute or SAN values, an issuer that is not a CA), ``CryptoError/keyMismatch`` if
    ///   `issuerKey` does not match the issuer (or, self-signed, the subject key).
    public func issue(issuer: Certificate?, issuerKey: PrivateKey) throws -> Certificate {
        guard notAfter > notBefore else {
            throw CryptoError(.malformedInput, "notAfter must be later than notBefore")
        }
        guard !subject.isEmpty || !subjectAlternativeNames.isEmpty else {
            throw CryptoError(.malformedInput, "a certificate needs a subject or at least one subject alternative name")
        }
        if let issuer {
            try IssuerCheck.requireCA(issuer, key: issuerKey)
        } else {
            guard publicKey == issuerKey.publicKey else {
                throw CryptoError(.keyMismatch, "a self-signed certificate must be signed with its own key")
            }
        }

        guard let x509 = X509_new() else { throw OpenSSLSupport.failure("X509_new failed") }
        defer { X509_free(x509) }
        let issuerX509 = try issuer?.withX509 { $0 }
        defer { if let issuerX509 { X509_free(issuerX509) } }

        guard X509_set_version(x509, Int(X509_VERSION_3)) == 1 else {
            throw OpenSSLSupport.failure("X509_set_version failed")
        }
        try setSerial(x509)
        try setNames(x509, issuer: issuerX509)
        try setValidity(x509)
        guard try publicKey.withEVPKey({ X509_set_pubkey(x509, $0) }) == 1 else {
            throw OpenSSLSupport.failure("X509_set_pubkey failed")
        }
        try addExtensions(x509, issuer: issuerX509 ?? x509, issuerKey: issuerKey)

        guard X509_sign(x509, issuerKey.pointer, issuerKey.signingDigest) > 0 else {
            throw OpenSSLSupport.failure("signing the certificate failed")
        }
        let der = try OpenSSLSupport.encodeDER { i2d_X509(x509, $0) }
        return try Certificate(der: der)
    }

    private func setSerial(_ x509: OpaquePointer) throws {
        let integer = try ASN1Values.makeInteger(serialNumber)
        defer { ASN1_INTEGER_free(integer) }
        guard X509_set_serialNumber(x509, integer) == 1 else {
            throw OpenSSLSupport.failure("X509_set_serialNumber failed")
        }
    }

    private func setNames(_ x509: OpaquePointer, issuer: OpaquePointer?) throws {
        guard let name = X509_NAME_new() else { throw OpenSSLSupport.failure("X509_NAME_new failed") }
        defer { X509_NAME_free(name) }
        for attribute in subject.attributes {
            guard !attribute.value.isEmpty else {
                throw CryptoError(.malformedInput, "subject attribute \(attribute.type) has an empty value")
            }
            let added = X509_NAME_add_entry_by_txt(
                name, attribute.type.rawValue, clm_mbstring_utf8(), attribute.value, -1, -1, 0)
            guard added == 1 else {
                throw OpenSSLSupport.failure(
                    "subject attribute \(attribute.type) is unknown or its value is not allowed", code: .malformedInput
                )
            }
        }
        guard X509_set_subject_name(x509, name) == 1 else {
            throw OpenSSLSupport.failure("X509_set_subject_name failed")
        }
        let issuerName = issuer.map { X509_get_subject_name($0) } ?? name
        guard X509_set_issuer_name(x509, issuerName) == 1 else {
            throw OpenSSLSupport.failure("X509_set_issuer_name failed")
        }
    }

    private func setValidity(_ x509: OpaquePointer) throws {
        let start = time_t(notBefore.timeIntervalSince1970.rounded(.down))
        let end = time_t(notAfter.timeIntervalSince1970.rounded(.down))
        guard ASN1_TIME_set(X509_getm_notBefore(x509), start) != nil,
            ASN1_TIME_set(X509_getm_notAfter(x509), end) != nil
        else {
            throw OpenSSLSupport.failure("setting the validity failed", code: .malformedInput)
        }
    }

    private func addExtensions(_ x509: OpaquePointer, issuer: OpaquePointer, issuerKey: PrivateKey) throws {
        var context = X509V3_CTX()
        X509V3_set_ctx(&context, issuer, x509, nil, nil, 0)
        guard X509V3_set_issuer_pkey(&context, issuerKey.pointer) == 1 else {
            throw OpenSSLSupport.failure("X509V3_set_issuer_pkey failed")
        }

        // Values below are built from enums and integers only, never from caller text.
        var basicConstraints = profile.isCA ? "critical,CA:TRUE" : "critical,CA:FALSE"
        if profile.isCA, let pathLength = profile.pathLength {
            guard pathLength >= 0 else { throw CryptoError(.malformedInput, "path length must not be negative") }
            basicConstraints += ",pathlen:\(pathLength)"
        }
        try add(x509, &context, NID_basic_constraints, basicConstraints)
        if !profile.keyUsage.isEmpty {
            try add(
                x509, &context, NID_key_usage,
                "critical," + unique(profile.keyUsage.map(\.rawValue)).joined(separator: ","))
        }
        if !profile.extendedKeyUsage.isEmpty {
            try add(
                x509, &context, NID_ext_key_usage,
                unique(profile.extendedKeyUsage.map(\.rawValue)).joined(separator: ","))
        }
        try add(x509, &context, NID_subject_key_identifier, "hash")
        try add(x509, &context, NID_authority_key_identifier, "keyid:always")
        if !subjectAlternativeNames.isEmpty {
            try addSubjectAlternativeNames(x509)
        }
        try LinkExtensions.add(links, policies: certificatePolicies, to: x509)
    }

    private func add(_ x509: OpaquePointer, _ context: inout X509V3_CTX, _ nid: Int32, _ value: String) throws {
        guard let extensionValue = X509V3_EXT_nconf_nid(nil, &context, nid, value) else {
            throw OpenSSLSupport.failure("building extension \(String(cString: OBJ_nid2sn(nid))) failed")
        }
        defer { X509_EXTENSION_free(extensionValue) }
        guard X509_add_ext(x509, extensionValue, -1) == 1 else { throw OpenSSLSupport.failure("X509_add_ext failed") }
    }

    private func addSubjectAlternativeNames(_ x509: OpaquePointer) throws {
        guard let names = clm_general_names_new() else {
            throw OpenSSLSupport.failure("allocating GENERAL_NAMES failed")
        }
        defer { GENERAL_NAMES_free(names) }
        for name in subjectAlternativeNames {
            let (type, content) = try Self.encode(name)
            guard let general = GENERAL_NAME_new() else { throw OpenSSLSupport.failure("GENERAL_NAME_new failed") }
            let string = type == GEN_IPADD ? ASN1_OCTET_STRING_new() : ASN1_IA5STRING_new()
            guard let string, ASN1_STRING_set(string, content, Int32(content.count)) == 1 else {
                if let string { ASN1_STRING_free(string) }
                GENERAL_NAME_free(general)
                throw OpenSSLSupport.failure("building a subject alternative name failed")
            }
            GENERAL_NAME_set0_value(general, type, UnsafeMutableRawPointer(string))
            guard clm_general_names_push(names, general) > 0 else {
                GENERAL_NAME_free(general)
                throw OpenSSLSupport.failure("building subjectAltName failed")
            }
        }
        let critical: Int32 = subject.isEmpty ? 1 : 0
        guard
            X509_add1_ext_i2d(
                x509, NID_subject_alt_name, UnsafeMutableRawPointer(names), critical, UInt(X509V3_ADD_DEFAULT)) == 1
        else {
            throw OpenSSLSupport.failure("adding subjectAltName failed")
        }
    }

    /// Validates a SAN value and returns its GENERAL_NAME type and content bytes.
    private static func encode(_ name: SubjectAlternativeName) throws -> (Int32, [UInt8]) {
        func ascii(_ value: String, _ kind: String) throws -> [UInt8] {
            let bytes = Array(value.utf8)
            guard !bytes.isEmpty, bytes.allSatisfy({ $0 > 0x20 && $0 < 0x7F }) else {
                throw CryptoError(
                    .malformedInput, "\(kind) subject alternative name must be non-empty printable ASCII without spaces"
                )
            }
            return bytes
        }
        switch name {
        case .dns(let value):
            let bytes = try ascii(value, "DNS")
            guard isHostName(value) else {
                throw CryptoError(
                    .malformedInput, "DNS subject alternative name \"\(value.prefix(64))\" is not a valid host name")
            }
            return (GEN_DNS, bytes)
        case .email(let value):
            let bytes = try ascii(value, "e-mail")
            guard value.contains("@") else {
                throw CryptoError(.malformedInput, "e-mail subject alternative name lacks an @")
            }
            return (GEN_EMAIL, bytes)
        case .uri(let value):
            let bytes = try ascii(value, "URI")
            guard value.contains(":") else {
                throw CryptoError(.malformedInput, "URI subject alternative name lacks a scheme")
            }
            return (GEN_URI, bytes)
        case .ip(let value):
            guard let bytes = IPAddress.parse(value) else {
                throw CryptoError(
                    .malformedInput,
                    "IP subject alternative name \"\(value.prefix(64))\" is not an IPv4 or IPv6 address")
            }
            return (GEN_IPADD, bytes)
        }
    }

    /// LDH labels of 1–63 characters, at most 253 in all, optionally with a leading `*.` wildcard label.
    private static func isHostName(_ name: String) -> Bool {
        guard name.utf8.count <= 253 else { return false }
        var labels = name.split(separator: ".", omittingEmptySubsequences: false)
        if labels.first == "*", labels.count > 2 { labels.removeFirst() }
        return labels.allSatisfy { label in
            let bytes = Array(label.utf8)
            guard (1...63).contains(bytes.count), bytes.first != UInt8(ascii: "-"), bytes.last != UInt8(ascii: "-")
            else {
                return false
            }
            return bytes.allSatisfy { byte in
                (byte >= 0x30 && byte <= 0x39) || (byte | 0x20 >= 0x61 && byte | 0x20 <= 0x7A)
                    || byte == UInt8(ascii: "-")
            }
        }
    }

    private func unique(_ values: [String]) -> [String] {
        var seen = Set<String>()
        return values.filter { seen.insert($0).inserted }
    }
}
