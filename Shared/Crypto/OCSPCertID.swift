import COpenSSL

/// One RFC 6960 `CertID` from an OCSP request: which certificate the client asks about, named by
/// hashes of its issuer plus its serial number.
///
/// The DER is kept so a response can echo the CertID byte for byte, which clients compare against.
public struct OCSPCertID: Sendable, Hashable {
    /// The hash the client used for ``issuerNameHash`` and ``issuerKeyHash``.
    public enum HashAlgorithm: String, Sendable, Hashable, CaseIterable {
        case sha1
        case sha256
        case sha384
        case sha512

        init?(nid: Int32) {
            switch nid {
            case NID_sha1: self = .sha1
            case NID_sha256: self = .sha256
            case NID_sha384: self = .sha384
            case NID_sha512: self = .sha512
            default: return nil
            }
        }

        var digest: OpaquePointer? {
            switch self {
            case .sha1: EVP_sha1()
            case .sha256: EVP_sha256()
            case .sha384: EVP_sha384()
            case .sha512: EVP_sha512()
            }
        }

        var length: Int { Int(EVP_MD_get_size(digest)) }
    }

    /// The hash algorithm of the two issuer hashes.
    public let hashAlgorithm: HashAlgorithm
    /// The hash of the DER of the issuer's subject name.
    public let issuerNameHash: [UInt8]
    /// The hash of the issuer's subjectPublicKey bits (without tag, length and unused-bits octet).
    public let issuerKeyHash: [UInt8]
    /// The certificate's serial number.
    public let serialNumber: SerialNumber
    /// The CertID's DER encoding, as OpenSSL writes what the client sent.
    public let der: [UInt8]

    /// Reads a CertID from inside a parsed request (OpenSSL keeps ownership of `certID`).
    ///
    /// - Throws: ``CryptoError/unsupportedAlgorithm`` for a hash other than SHA-1/SHA-2,
    ///   ``CryptoError/malformedInput`` for hashes of the wrong length, an unusable serial, or hash
    ///   parameters that OpenSSL cannot read back once it has written them.
    init(_ certID: OpaquePointer) throws {
        var nameHash: UnsafeMutablePointer<ASN1_OCTET_STRING>? = nil
        var keyHash: UnsafeMutablePointer<ASN1_OCTET_STRING>? = nil
        var algorithm: OpaquePointer? = nil
        var serial: UnsafeMutablePointer<ASN1_INTEGER>? = nil
        guard OCSP_id_get0_info(&nameHash, &algorithm, &keyHash, &serial, certID) == 1, let nameHash, let keyHash
        else {
            throw CryptoError(.malformedInput, "OCSP CertID is incomplete")
        }
        guard let hash = HashAlgorithm(nid: OBJ_obj2nid(algorithm)) else {
            throw CryptoError(.unsupportedAlgorithm, "OCSP CertID uses a hash algorithm other than SHA-1 or SHA-2")
        }
        self.hashAlgorithm = hash
        self.issuerNameHash = ASN1Values.bytes(nameHash)
        self.issuerKeyHash = ASN1Values.bytes(keyHash)
        guard issuerNameHash.count == hash.length, issuerKeyHash.count == hash.length else {
            throw CryptoError(.malformedInput, "OCSP CertID hashes do not have the length of \(hash.rawValue)")
        }
        self.serialNumber = try ASN1Values.serial(serial, what: "OCSP CertID")
        self.der = try OpenSSLSupport.encodeDER { i2d_OCSP_CERTID(certID, $0) }
        // OpenSSL reads hash parameters it cannot write back (a constructed [UNIVERSAL 0] comes
        // out as an end-of-contents pair, which it then refuses), and the response must echo the
        // CertID: one that does not read back is malformed, not a response that fails to sign.
        do {
            OCSP_CERTID_free(
                try OpenSSLSupport.decodeDER(
                    der, what: "OCSP CertID", { d2i_OCSP_CERTID(nil, $0, $1) }, free: OCSP_CERTID_free))
        } catch {
            throw CryptoError(
                .malformedInput, "OCSP CertID does not read back once encoded (malformed hash parameters)")
        }
    }

    /// Whether this CertID names a certificate of `issuer`: both issuer hashes, recomputed with the
    /// client's hash algorithm, match. (Whether the serial is one the issuer issued is the caller's question.)
    public func isIssued(by issuer: Certificate) -> Bool {
        guard let hashes = try? Self.issuerHashes(of: issuer, hashAlgorithm) else { return false }
        return hashes.name == issuerNameHash && hashes.key == issuerKeyHash
    }

    /// The issuer name and key hashes RFC 6960 §4.1.1 defines, for `algorithm`.
    public static func issuerHashes(
        of issuer: Certificate, _ algorithm: HashAlgorithm
    ) throws -> (name: [UInt8], key: [UInt8]) {
        let x509 = try issuer.withX509 { $0 }
        defer { X509_free(x509) }
        var name = [UInt8](repeating: 0, count: Int(EVP_MAX_MD_SIZE))
        var key = name
        var nameLength: UInt32 = 0
        var keyLength: UInt32 = 0
        guard X509_NAME_digest(X509_get_subject_name(x509), algorithm.digest, &name, &nameLength) == 1,
            X509_pubkey_digest(x509, algorithm.digest, &key, &keyLength) == 1
        else {
            throw OpenSSLSupport.failure("hashing the issuer name and key failed")
        }
        return (Array(name.prefix(Int(nameLength))), Array(key.prefix(Int(keyLength))))
    }
}
