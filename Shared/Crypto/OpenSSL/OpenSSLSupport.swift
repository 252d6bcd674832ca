import COpenSSL

/// Small helpers shared by the OpenSSL-facing code. Nothing here is public.
enum OpenSSLSupport {
    /// Drains OpenSSL's per-thread error queue into one line (library reason strings only,
    /// which never carry key material).
    static func drainErrors() -> String {
        var messages: [String] = []
        while true {
            let code = ERR_get_error()
            if code == 0 { break }
            var buffer = [CChar](repeating: 0, count: 256)
            ERR_error_string_n(code, &buffer, buffer.count)
            if messages.count < 4 { messages.append(string(fromNulTerminated: buffer)) }
        }
        return messages.joined(separator: "; ")
    }

    /// Decodes a NUL-terminated C buffer as UTF-8.
    static func string(fromNulTerminated buffer: [CChar]) -> String {
        String(decoding: buffer.prefix(while: { $0 != 0 }).map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// An internal error naming the failed step, with OpenSSL's reason appended.
    static func failure(
        _ step: String, code: CryptoError.Code = .internalError, file: String = #fileID, line: Int = #line
    ) -> CryptoError {
        let detail = drainErrors()
        return CryptoError(code, detail.isEmpty ? step : "\(step) (\(detail))", file: file, line: line)
    }

    /// Serialises with an `i2d_*` function: first call measures, second writes.
    static func encodeDER(_ i2d: (UnsafeMutablePointer<UnsafeMutablePointer<UInt8>?>?) -> Int32) throws -> [UInt8] {
        let length = i2d(nil)
        guard length > 0 else { throw failure("DER encoding failed") }
        var out = [UInt8](repeating: 0, count: Int(length))
        let written = out.withUnsafeMutableBufferPointer { buffer -> Int32 in
            var cursor: UnsafeMutablePointer<UInt8>? = buffer.baseAddress
            return i2d(&cursor)
        }
        guard written == length else { throw failure("DER encoding failed") }
        return out
    }

    /// Parses with a `d2i_*` function and requires that the whole input is consumed.
    static func decodeDER<T>(
        _ bytes: [UInt8],
        what: String,
        _ d2i: (UnsafeMutablePointer<UnsafePointer<UInt8>?>, Int) -> T?,
        free: (T) -> Void
    ) throws -> T {
        guard !bytes.isEmpty else { throw CryptoError(.malformedInput, "\(what): input is empty") }
        return try bytes.withUnsafeBufferPointer { buffer in
            var cursor: UnsafePointer<UInt8>? = buffer.baseAddress
            guard let value = d2i(&cursor, buffer.count) else {
                let detail = drainErrors()
                throw CryptoError(.malformedInput, "\(what): not valid DER" + (detail.isEmpty ? "" : " (\(detail))"))
            }
            if let cursor, cursor != buffer.baseAddress! + buffer.count {
                free(value)
                throw CryptoError(.malformedInput, "\(what): trailing bytes after the DER structure")
            }
            return value
        }
    }

    /// Runs `body` with a fresh memory BIO and returns what was written to it as text.
    static func withMemoryBIO(_ body: (OpaquePointer) throws -> Int32) throws -> String {
        guard let bio = BIO_new(BIO_s_mem()) else { throw failure("BIO_new failed") }
        defer { BIO_free(bio) }
        guard try body(bio) > 0 || BIO_ctrl_pending(bio) > 0 else { throw failure("writing to a memory BIO failed") }
        var data: UnsafePointer<CChar>? = nil
        let length = clm_bio_mem_data(bio, &data)
        guard let data, length > 0 else { return "" }
        let bytes = UnsafeRawBufferPointer(start: data, count: length)
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Converts an `X509_NAME` to an RFC 2253 string (most-specific attribute first).
    static func nameString(_ name: OpaquePointer?) -> String {
        guard let name else { return "" }
        return (try? withMemoryBIO { bio in clm_name_print_rfc2253(bio, name) }) ?? ""
    }

    /// SHA-256 (or another digest) of `bytes`.
    static func digest(_ bytes: [UInt8], _ md: OpaquePointer? = EVP_sha256()) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: Int(EVP_MAX_MD_SIZE))
        var length: UInt32 = 0
        let ok = bytes.withUnsafeBytes { input in
            EVP_Digest(input.baseAddress, input.count, &out, &length, md, nil)
        }
        precondition(ok == 1, "EVP_Digest failed")
        return Array(out[0..<Int(length)])
    }

    static func hex(_ bytes: [UInt8], separator: String = "") -> String {
        let digits = Array("0123456789abcdef")
        return bytes.map { String([digits[Int($0 >> 4)], digits[Int($0 & 0x0F)]]) }.joined(separator: separator)
    }
}
