import CLMContracts
import CLMCrypto
import COpenSSL

/// Conversions between JWK key members (RFC 7518 §6) and validated ``PublicKeyInfo`` keys,
/// over OpenSSL 3 key management (`EVP_PKEY_fromdata`, raw Ed25519 keys, key parameters).
///
/// A key built here goes through `PublicKeyInfo(spkiDER:)`, so it meets CLM's key floor
/// (RSA ≥ 2048 bits with a sane exponent, EC points on the curve) like every other key.
enum JWKKeyMaterial {
    /// The largest RSA modulus accepted from a key set; bigger keys only cost verification time.
    static let maximumRSABits = 8192

    // MARK: JWK → key

    /// An EC key from its affine coordinates; each must be exactly the field size (RFC 7518 §6.2.1.2).
    static func ecKey(curve: ECCurve, x: [UInt8], y: [UInt8]) throws(AuthenticationError) -> PublicKeyInfo {
        let size = (curve.bits + 7) / 8
        guard x.count == size, y.count == size else {
            throw AuthenticationError(
                .malformed, "key set: EC coordinates for \(curve.rawValue) must be \(size) bytes each")
        }
        // The uncompressed SEC 1 point 04 || x || y.
        var point = [0x04] + x + y
        let groupName = curve == .p256 ? "prime256v1" : curve == .p384 ? "secp384r1" : "secp521r1"
        let pkey: OpaquePointer? = "group".withCString { groupKey in
            "pub".withCString { pointKey in
                groupName.withCString { group in
                    point.withUnsafeMutableBytes { pointBytes in
                        var params = [
                            OSSL_PARAM_construct_utf8_string(groupKey, UnsafeMutablePointer(mutating: group), 0),
                            OSSL_PARAM_construct_octet_string(pointKey, pointBytes.baseAddress, pointBytes.count),
                            OSSL_PARAM_construct_end(),
                        ]
                        return fromData(algorithm: "EC", params: &params)
                    }
                }
            }
        }
        return try publicKeyInfo(taking: pkey, what: "EC")
    }

    /// An RSA key from its modulus and public exponent (unsigned big-endian).
    static func rsaKey(modulus: [UInt8], exponent: [UInt8]) throws(AuthenticationError) -> PublicKeyInfo {
        let significant = modulus.drop(while: { $0 == 0 })
        let bits = significant.first.map { significant.count * 8 - $0.leadingZeroBitCount } ?? 0
        guard bits >= PublicKeyInfo.minimumRSABits else {
            throw AuthenticationError(
                .unsupportedAlgorithm,
                "key set: RSA key has \(bits) bits; at least \(PublicKeyInfo.minimumRSABits) are required")
        }
        guard bits <= maximumRSABits else {
            throw AuthenticationError(
                .unsupportedAlgorithm, "key set: RSA key has \(bits) bits; at most \(maximumRSABits) are accepted")
        }
        guard !exponent.isEmpty, exponent.count <= 8 else {
            throw AuthenticationError(.malformed, "key set: RSA public exponent has an invalid length")
        }
        guard let n = BN_bin2bn(modulus, Int32(modulus.count), nil) else { throw internalFailure("BN_bin2bn") }
        defer { BN_free(n) }
        guard let e = BN_bin2bn(exponent, Int32(exponent.count), nil) else { throw internalFailure("BN_bin2bn") }
        defer { BN_free(e) }
        guard let builder = OSSL_PARAM_BLD_new() else { throw internalFailure("OSSL_PARAM_BLD_new") }
        defer { OSSL_PARAM_BLD_free(builder) }
        // The builder keeps the name pointers until `to_param`, and the parameters keep them
        // too, so everything happens inside the scope of the C strings.
        let pkey: OpaquePointer? = "n".withCString { nKey in
            "e".withCString { eKey in
                guard OSSL_PARAM_BLD_push_BN(builder, nKey, n) == 1, OSSL_PARAM_BLD_push_BN(builder, eKey, e) == 1,
                    let params = OSSL_PARAM_BLD_to_param(builder)
                else { return nil }
                defer { OSSL_PARAM_free(params) }
                return fromData(algorithm: "RSA", params: params)
            }
        }
        return try publicKeyInfo(taking: pkey, what: "RSA")
    }

    /// An Ed25519 key from its 32 raw bytes (RFC 8037 §2).
    static func ed25519Key(_ raw: [UInt8]) throws(AuthenticationError) -> PublicKeyInfo {
        guard raw.count == 32 else { throw AuthenticationError(.malformed, "key set: an Ed25519 key must be 32 bytes") }
        let pkey = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, nil, raw, raw.count)
        return try publicKeyInfo(taking: pkey, what: "Ed25519")
    }

    private static func fromData(algorithm: String, params: UnsafeMutablePointer<OSSL_PARAM>) -> OpaquePointer? {
        guard let context = EVP_PKEY_CTX_new_from_name(nil, algorithm, nil) else { return nil }
        defer { EVP_PKEY_CTX_free(context) }
        var pkey: OpaquePointer? = nil
        guard EVP_PKEY_fromdata_init(context) == 1,
            EVP_PKEY_fromdata(context, &pkey, clm_evp_pkey_public_key_selection(), params) == 1
        else { return nil }
        return pkey
    }

    /// Re-encodes an OpenSSL key as SPKI (freeing it) and validates it as a ``PublicKeyInfo``.
    private static func publicKeyInfo(taking pkey: OpaquePointer?, what: String) throws(AuthenticationError)
        -> PublicKeyInfo
    {
        guard let pkey else {
            drainOpenSSLErrors()
            throw AuthenticationError(.malformed, "key set: the \(what) key parameters do not form a valid key")
        }
        defer { EVP_PKEY_free(pkey) }
        let length = i2d_PUBKEY(pkey, nil)
        guard length > 0 else { throw internalFailure("i2d_PUBKEY") }
        var der = [UInt8](repeating: 0, count: Int(length))
        let written = der.withUnsafeMutableBufferPointer { buffer -> Int32 in
            var cursor: UnsafeMutablePointer<UInt8>? = buffer.baseAddress
            return i2d_PUBKEY(pkey, &cursor)
        }
        guard written == length else { throw internalFailure("i2d_PUBKEY") }
        do {
            return try PublicKeyInfo(spkiDER: der)
        } catch let error as CryptoError {
            // CryptoError reasons never carry key bytes, so they can be passed on.
            let code: AuthenticationError.Code =
                error.code == .weakKey || error.code == .unsupportedAlgorithm ? .unsupportedAlgorithm : .malformed
            throw AuthenticationError(code, "key set: \(what) key rejected: \(error.reason)")
        } catch {
            throw AuthenticationError(.malformed, "key set: \(what) key rejected")
        }
    }

    // MARK: key → JWK

    /// The public JWK members of a key (`kty`, `crv`, `x`, `y`, `n`, `e`), in the canonical
    /// form RFC 7638 hashes: coordinates at full field size, integers without leading zeros.
    static func members(of key: PublicKeyInfo) throws(AuthenticationError) -> [String: JSONValue] {
        let pkey: OpaquePointer? = key.spkiDER.withUnsafeBufferPointer { buffer in
            var cursor: UnsafePointer<UInt8>? = buffer.baseAddress
            return d2i_PUBKEY(nil, &cursor, buffer.count)
        }
        guard let pkey else { throw internalFailure("d2i_PUBKEY") }
        defer { EVP_PKEY_free(pkey) }
        switch key.spec {
        case .ec(let curve) where curve == .p256 || curve == .p384:
            let size = (curve.bits + 7) / 8
            return [
                "kty": .string("EC"), "crv": .string(curve.rawValue),
                "x": .string(JOSEBase64URL.encode(try bignumParameter(pkey, "qx", paddedTo: size))),
                "y": .string(JOSEBase64URL.encode(try bignumParameter(pkey, "qy", paddedTo: size))),
            ]
        case .rsa:
            return [
                "kty": .string("RSA"),
                "n": .string(JOSEBase64URL.encode(try bignumParameter(pkey, "n", paddedTo: nil))),
                "e": .string(JOSEBase64URL.encode(try bignumParameter(pkey, "e", paddedTo: nil))),
            ]
        case .ed25519:
            var raw = [UInt8](repeating: 0, count: 32)
            var length = raw.count
            guard EVP_PKEY_get_raw_public_key(pkey, &raw, &length) == 1, length == 32 else {
                throw internalFailure("EVP_PKEY_get_raw_public_key")
            }
            return ["kty": .string("OKP"), "crv": .string("Ed25519"), "x": .string(JOSEBase64URL.encode(raw))]
        case .ec, .ed448:
            throw AuthenticationError(.unsupportedAlgorithm, "\(key.spec) keys have no JWS algorithm CLM accepts")
        }
    }

    /// A big-number key parameter as unsigned big-endian bytes, left-padded to `size` if given.
    private static func bignumParameter(_ pkey: OpaquePointer, _ name: String, paddedTo size: Int?)
        throws(AuthenticationError) -> [UInt8]
    {
        var number: OpaquePointer? = nil
        guard EVP_PKEY_get_bn_param(pkey, name, &number) == 1, let number else {
            throw internalFailure("EVP_PKEY_get_bn_param")
        }
        defer { BN_free(number) }
        let length = size ?? max(1, (Int(BN_num_bits(number)) + 7) / 8)
        var out = [UInt8](repeating: 0, count: length)
        guard BN_bn2binpad(number, &out, Int32(length)) == length else { throw internalFailure("BN_bn2binpad") }
        return out
    }

    private static func internalFailure(_ step: String) -> AuthenticationError {
        drainOpenSSLErrors()
        return AuthenticationError(.malformed, "key set: OpenSSL failed (\(step))")
    }

    /// Clears the thread's OpenSSL error queue so stale reasons do not surface elsewhere.
    static func drainOpenSSLErrors() {
        while ERR_get_error() != 0 {}
    }
}
