import COpenSSL

/// Converts ECDSA signatures between JWS form (`r || s`, each left-padded to the curve's size,
/// RFC 7518 §3.4) and the DER `ECDSA-Sig-Value` OpenSSL produces and consumes.
enum ECDSASignature {
    /// JWS `r || s` → DER, or `nil` when the length is not exactly twice `integerLength`.
    static func der(fromRaw raw: [UInt8], integerLength: Int) -> [UInt8]? {
        guard raw.count == 2 * integerLength, let signature = ECDSA_SIG_new() else { return nil }
        defer { ECDSA_SIG_free(signature) }
        let r = raw.withUnsafeBufferPointer { BN_bin2bn($0.baseAddress, Int32(integerLength), nil) }
        let s = raw.withUnsafeBufferPointer { BN_bin2bn($0.baseAddress! + integerLength, Int32(integerLength), nil) }
        guard let r, let s else {
            BN_free(r)
            BN_free(s)
            return nil
        }
        // set0 takes ownership of both numbers.
        guard ECDSA_SIG_set0(signature, r, s) == 1 else {
            BN_free(r)
            BN_free(s)
            return nil
        }
        let length = i2d_ECDSA_SIG(signature, nil)
        guard length > 0 else { return nil }
        var out = [UInt8](repeating: 0, count: Int(length))
        let written = out.withUnsafeMutableBufferPointer { buffer -> Int32 in
            var cursor: UnsafeMutablePointer<UInt8>? = buffer.baseAddress
            return i2d_ECDSA_SIG(signature, &cursor)
        }
        return written == length ? out : nil
    }

    /// DER → JWS `r || s`, or `nil` if the DER is malformed or an integer is too long.
    static func raw(fromDER der: [UInt8], integerLength: Int) -> [UInt8]? {
        let signature: OpaquePointer? = der.withUnsafeBufferPointer { buffer in
            var cursor: UnsafePointer<UInt8>? = buffer.baseAddress
            return d2i_ECDSA_SIG(nil, &cursor, buffer.count)
        }
        guard let signature else { return nil }
        defer { ECDSA_SIG_free(signature) }
        var out = [UInt8](repeating: 0, count: 2 * integerLength)
        let ok = out.withUnsafeMutableBufferPointer { buffer -> Bool in
            guard let base = buffer.baseAddress else { return false }
            return BN_bn2binpad(ECDSA_SIG_get0_r(signature), base, Int32(integerLength)) == integerLength
                && BN_bn2binpad(ECDSA_SIG_get0_s(signature), base + integerLength, Int32(integerLength))
                    == integerLength
        }
        return ok ? out : nil
    }
}
