import COpenSSL

/// Encodes ``CertificateLinks`` and certificate policies as X.509 extensions, building the
/// OpenSSL structures directly so caller text never goes through the `X509V3_EXT_conf` parser.
///
/// Ownership: each `*_new` structure below is freed by its parent's `*_free` once attached, so a
/// value is freed here only when attaching it failed; `X509_add1_ext_i2d` copies (DER-encodes) the whole.
enum LinkExtensions {
    /// Adds cRLDistributionPoints, authorityInfoAccess and certificatePolicies (all non-critical),
    /// each only when it has content.
    static func add(_ links: CertificateLinks, policies: [String], to x509: OpaquePointer) throws {
        try links.validate()
        if !links.crlDistributionPoints.isEmpty {
            try addDistributionPoint(links.crlDistributionPoints, to: x509)
        }
        if !links.ocspResponders.isEmpty || !links.caIssuers.isEmpty {
            try addInformationAccess(links, to: x509)
        }
        if !policies.isEmpty {
            try addPolicies(policies, to: x509)
        }
    }

    private static func addDistributionPoint(_ urls: [String], to x509: OpaquePointer) throws {
        guard let points = CRL_DIST_POINTS_new() else { throw OpenSSLSupport.failure("CRL_DIST_POINTS_new failed") }
        defer { CRL_DIST_POINTS_free(points) }
        guard let point = DIST_POINT_new() else { throw OpenSSLSupport.failure("DIST_POINT_new failed") }
        try push(point, onto: points) { DIST_POINT_free(point) }
        guard let name = DIST_POINT_NAME_new() else { throw OpenSSLSupport.failure("DIST_POINT_NAME_new failed") }
        point.pointee.distpoint = name
        guard let names = clm_general_names_new() else {
            throw OpenSSLSupport.failure("allocating GENERAL_NAMES failed")
        }
        name.pointee.type = 0  // fullName
        name.pointee.name.fullname = names
        for url in urls {
            let general = try uri(url)
            guard clm_general_names_push(names, general) > 0 else {
                GENERAL_NAME_free(general)
                throw OpenSSLSupport.failure("building a distribution point name failed")
            }
        }
        try attach(NID_crl_distribution_points, UnsafeMutableRawPointer(points), to: x509)
    }

    private static func addInformationAccess(_ links: CertificateLinks, to x509: OpaquePointer) throws {
        guard let access = AUTHORITY_INFO_ACCESS_new() else {
            throw OpenSSLSupport.failure("AUTHORITY_INFO_ACCESS_new failed")
        }
        defer { AUTHORITY_INFO_ACCESS_free(access) }
        let locations = links.ocspResponders.map { (NID_ad_OCSP, $0) } + links.caIssuers.map { (NID_ad_ca_issuers, $0) }
        for (method, url) in locations {
            guard let description = ACCESS_DESCRIPTION_new() else {
                throw OpenSSLSupport.failure("ACCESS_DESCRIPTION_new failed")
            }
            try push(description, onto: access) { ACCESS_DESCRIPTION_free(description) }
            // OBJ_nid2obj returns a static object; ASN1_OBJECT_free leaves static objects alone.
            ASN1_OBJECT_free(description.pointee.method)
            description.pointee.method = OBJ_nid2obj(method)
            let location = try uri(url)
            GENERAL_NAME_free(description.pointee.location)
            description.pointee.location = location
        }
        try attach(NID_info_access, UnsafeMutableRawPointer(access), to: x509)
    }

    private static func addPolicies(_ oids: [String], to x509: OpaquePointer) throws {
        guard let policies = CERTIFICATEPOLICIES_new() else {
            throw OpenSSLSupport.failure("CERTIFICATEPOLICIES_new failed")
        }
        defer { CERTIFICATEPOLICIES_free(policies) }
        for oid in oids {
            let arcs = oid.split(separator: ".", omittingEmptySubsequences: false)
            guard arcs.count >= 2,
                arcs.allSatisfy({ !$0.isEmpty && $0.allSatisfy(\.isASCII) && $0.allSatisfy(\.isNumber) }),
                let object = OBJ_txt2obj(oid, 1)
            else {
                _ = OpenSSLSupport.drainErrors()
                throw CryptoError(.malformedInput, "certificate policy \"\(oid.prefix(64))\" is not a dotted OID")
            }
            guard let policy = POLICYINFO_new() else {
                ASN1_OBJECT_free(object)
                throw OpenSSLSupport.failure("POLICYINFO_new failed")
            }
            ASN1_OBJECT_free(policy.pointee.policyid)
            policy.pointee.policyid = object
            try push(policy, onto: policies) { POLICYINFO_free(policy) }
        }
        try attach(NID_certificate_policies, UnsafeMutableRawPointer(policies), to: x509)
    }

    /// A URI GENERAL_NAME (caller owns it).
    private static func uri(_ url: String) throws -> UnsafeMutablePointer<GENERAL_NAME> {
        let bytes = Array(url.utf8)
        guard let general = GENERAL_NAME_new() else { throw OpenSSLSupport.failure("GENERAL_NAME_new failed") }
        guard let string = ASN1_IA5STRING_new() else {
            GENERAL_NAME_free(general)
            throw OpenSSLSupport.failure("ASN1_IA5STRING_new failed")
        }
        guard ASN1_STRING_set(string, bytes, Int32(bytes.count)) == 1 else {
            ASN1_STRING_free(string)
            GENERAL_NAME_free(general)
            throw OpenSSLSupport.failure("building a URI failed")
        }
        GENERAL_NAME_set0_value(general, GEN_URI, UnsafeMutableRawPointer(string))
        return general
    }

    /// Pushes onto a typed OpenSSL stack through the generic `OPENSSL_sk_push` (the typed `sk_*_push`
    /// are macros); runs `free` if the push failed, since the stack then does not own the element.
    private static func push<Element>(
        _ element: UnsafeMutablePointer<Element>, onto stack: OpaquePointer, free: () -> Void
    ) throws {
        guard OPENSSL_sk_push(stack, element) > 0 else {
            free()
            throw OpenSSLSupport.failure("OPENSSL_sk_push failed")
        }
    }

    private static func attach(_ nid: Int32, _ value: UnsafeMutableRawPointer, to x509: OpaquePointer) throws {
        guard X509_add1_ext_i2d(x509, nid, value, 0, UInt(X509V3_ADD_DEFAULT)) == 1 else {
            throw OpenSSLSupport.failure("adding extension \(String(cString: OBJ_nid2sn(nid))) failed")
        }
    }
}
