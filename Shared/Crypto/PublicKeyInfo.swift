import COpenSSL

/// A validated public key, held as its DER `SubjectPublicKeyInfo`.
///
/// Creating one checks the key against CLM's floor: RSA modulus ≥ 2048 bits with an odd public
/// exponent ≥ 65537; EC only on P-256/P-384/P-521 with a point that passes OpenSSL's public-key
/// check; Ed25519 and Ed448. Anything else throws, so a `PublicKeyInfo` in hand is always usable.
public struct PublicKeyInfo: Sendable, Hashable {
    /// The smallest RSA modulus accepted.
    public static let minimumRSABits = 2048
    /// The smallest RSA public exponent accepted (F4, as CA/Browser Forum guidance recommends).
    public static let minimumRSAExponent: UInt = 65537

    /// The algorithm family.
    public let algorithm: KeyAlgorithm
    /// Key size in bits as OpenSSL reports it (RSA modulus, EC field size, 253/456 for EdDSA).
    public let bits: Int
    /// The named curve, for EC keys.
    public let curve: ECCurve?
    /// The DER-encoded `SubjectPublicKeyInfo` (canonical re-encoding of the input).
    public let spkiDER: [UInt8]

    /// Parses and validates a DER `SubjectPublicKeyInfo`.
    ///
    /// - Throws: ``CryptoError/malformedInput`` for unparseable input, ``CryptoError/weakKey`` for a short
    ///   modulus, a bad exponent or an invalid point, ``CryptoError/unsupportedAlgorithm`` for other
    ///   key types or curves.
    public init(spkiDER: [UInt8]) throws {
        let pkey = try OpenSSLSupport.decodeDER(
            spkiDER, what: "public key", { d2i_PUBKEY(nil, $0, $1) }, free: EVP_PKEY_free)
        defer { EVP_PKEY_free(pkey) }
        try self.init(evpKey: pkey)
    }

    /// Parses and validates a `PUBLIC KEY` PEM block.
    public init(pem: String) throws {
        try self.init(spkiDER: PEM.decode(pem, expecting: ["PUBLIC KEY"]))
    }

    /// Validates the public half of an OpenSSL key and captures its SPKI.
    init(evpKey pkey: OpaquePointer) throws {
        let (algorithm, curve) = try Self.validate(pkey)
        self.algorithm = algorithm
        self.curve = curve
        self.bits = Int(EVP_PKEY_get_bits(pkey))
        self.spkiDER = try OpenSSLSupport.encodeDER { i2d_PUBKEY(pkey, $0) }
    }

    /// The key as a `PUBLIC KEY` PEM block.
    public var pem: String { PEM.encode(label: "PUBLIC KEY", der: spkiDER) }

    /// The key's spec, e.g. `.ec(curve: .p256)` or `.rsa(bits: 3072)`.
    public var spec: KeySpec {
        switch algorithm {
        case .rsa: .rsa(bits: bits)
        case .ec: .ec(curve: curve ?? .p256)
        case .ed25519: .ed25519
        case .ed448: .ed448
        }
    }

    /// SHA-256 over the DER SPKI, lowercase hex: a stable key identity for inventories and logs.
    public var fingerprintSHA256Hex: String {
        OpenSSLSupport.hex(OpenSSLSupport.digest(spkiDER))
    }

    /// Runs `body` with a freshly decoded OpenSSL key (freed afterwards).
    func withEVPKey<Result>(_ body: (OpaquePointer) throws -> Result) throws -> Result {
        let pkey = try OpenSSLSupport.decodeDER(
            spkiDER, what: "public key", { d2i_PUBKEY(nil, $0, $1) }, free: EVP_PKEY_free)
        defer { EVP_PKEY_free(pkey) }
        return try body(pkey)
    }

    private static func validate(_ pkey: OpaquePointer) throws -> (KeyAlgorithm, ECCurve?) {
        switch EVP_PKEY_get_base_id(pkey) {
        case EVP_PKEY_RSA:
            try validateRSA(pkey)
            return (.rsa, nil)
        case EVP_PKEY_EC:
            return (.ec, try validateEC(pkey))
        case EVP_PKEY_ED25519:
            return (.ed25519, nil)
        case EVP_PKEY_ED448:
            return (.ed448, nil)
        case EVP_PKEY_RSA_PSS:
            throw CryptoError(.unsupportedAlgorithm, "RSASSA-PSS-only keys are not supported; use a plain RSA key")
        default:
            throw CryptoError(.unsupportedAlgorithm, "key type is not RSA, EC, Ed25519 or Ed448")
        }
    }

    private static func validateRSA(_ pkey: OpaquePointer) throws {
        let bits = Int(EVP_PKEY_get_bits(pkey))
        guard bits >= minimumRSABits else {
            throw CryptoError(.weakKey, "RSA modulus is \(bits) bits; at least \(minimumRSABits) are required")
        }
        var exponent: OpaquePointer? = nil
        guard EVP_PKEY_get_bn_param(pkey, "e", &exponent) == 1, let exponent else {
            throw OpenSSLSupport.failure("reading the RSA public exponent failed")
        }
        defer { BN_free(exponent) }
        guard BN_is_odd(exponent) == 1 else {
            throw CryptoError(
                .weakKey, "RSA public exponent is even; it must be odd and at least \(minimumRSAExponent)")
        }
        guard BN_num_bits(exponent) > 17 || BN_get_word(exponent) >= minimumRSAExponent else {
            throw CryptoError(
                .weakKey,
                "RSA public exponent is below \(minimumRSAExponent); it must be odd and at least \(minimumRSAExponent)")
        }
    }

    private static func validateEC(_ pkey: OpaquePointer) throws -> ECCurve {
        var buffer = [CChar](repeating: 0, count: 80)
        var length = 0
        guard EVP_PKEY_get_group_name(pkey, &buffer, buffer.count, &length) == 1 else {
            _ = OpenSSLSupport.drainErrors()
            throw CryptoError(
                .unsupportedAlgorithm, "EC key does not use a named curve (explicit parameters are not supported)")
        }
        let name = OpenSSLSupport.string(fromNulTerminated: buffer)
        guard let curve = ECCurve(name: name) else {
            throw CryptoError(.unsupportedAlgorithm, "EC curve \(name) is not one of P-256, P-384, P-521")
        }
        guard let context = EVP_PKEY_CTX_new_from_pkey(nil, pkey, nil) else {
            throw OpenSSLSupport.failure("EVP_PKEY_CTX_new_from_pkey failed")
        }
        defer { EVP_PKEY_CTX_free(context) }
        guard EVP_PKEY_public_check(context) == 1 else {
            _ = OpenSSLSupport.drainErrors()
            throw CryptoError(.weakKey, "EC public point is not a valid point on \(curve.rawValue)")
        }
        return curve
    }
}
