import COpenSSL
import Foundation

/// Conversions between Swift values and the ASN.1 primitives OpenSSL wants. Every `make…`
/// function allocates: the caller frees the result (`ASN1_TIME_free`, `ASN1_INTEGER_free`, …),
/// because OpenSSL's setters (`X509_CRL_set1_lastUpdate`, `X509_REVOKED_set_serialNumber`,
/// `OCSP_basic_add1_status`) copy what they are given.
enum ASN1Values {
    /// A UTCTime up to 2049 and a GeneralizedTime after, as RFC 5280 §4.1.2.5 requires.
    static func makeTime(_ date: Date) throws -> UnsafeMutablePointer<ASN1_TIME> {
        guard let time = ASN1_TIME_set(nil, time_t(date.timeIntervalSince1970.rounded(.down))) else {
            throw OpenSSLSupport.failure("the time \(date) cannot be encoded", code: .malformedInput)
        }
        return time
    }

    /// Reads a UTCTime or GeneralizedTime to whole seconds.
    static func date(_ time: UnsafePointer<ASN1_TIME>?, what: String) throws -> Date {
        var parts = tm()
        guard let time, ASN1_TIME_to_tm(time, &parts) == 1 else {
            throw OpenSSLSupport.failure("\(what) is unreadable", code: .malformedInput)
        }
        return Date(timeIntervalSince1970: TimeInterval(timegm(&parts)))
    }

    /// A positive INTEGER with the serial's magnitude.
    static func makeInteger(_ serial: SerialNumber) throws -> UnsafeMutablePointer<ASN1_INTEGER> {
        guard let number = BN_bin2bn(serial.bytes, Int32(serial.bytes.count), nil) else {
            throw OpenSSLSupport.failure("BN_bin2bn failed")
        }
        defer { BN_free(number) }
        guard let integer = BN_to_ASN1_INTEGER(number, nil) else {
            throw OpenSSLSupport.failure("BN_to_ASN1_INTEGER failed")
        }
        return integer
    }

    /// A non-negative INTEGER, e.g. a CRL number.
    static func makeInteger(_ value: UInt64) throws -> UnsafeMutablePointer<ASN1_INTEGER> {
        guard let integer = ASN1_INTEGER_new() else { throw OpenSSLSupport.failure("ASN1_INTEGER_new failed") }
        guard ASN1_INTEGER_set_uint64(integer, value) == 1 else {
            ASN1_INTEGER_free(integer)
            throw OpenSSLSupport.failure("ASN1_INTEGER_set_uint64 failed")
        }
        return integer
    }

    /// Reads a serial number: OpenSSL keeps the magnitude in the string's data and the sign in its type.
    ///
    /// - Throws: ``CryptoError/malformedInput`` for a negative, zero or over-long serial.
    static func serial(_ integer: UnsafePointer<ASN1_INTEGER>?, what: String) throws -> SerialNumber {
        guard let integer, integer.pointee.type == V_ASN1_INTEGER else {
            throw CryptoError(.malformedInput, "\(what): the serial number is missing or negative")
        }
        return try SerialNumber(bytes: bytes(integer))
    }

    /// The content octets of any ASN.1 string (OCTET STRING, INTEGER, IA5String, …).
    static func bytes(_ string: UnsafePointer<ASN1_STRING>) -> [UInt8] {
        let length = Int(ASN1_STRING_length(string))
        guard length > 0, let data = ASN1_STRING_get0_data(string) else { return [] }
        return Array(UnsafeBufferPointer(start: data, count: length))
    }

    /// A new OCTET STRING holding `bytes`.
    static func makeOctetString(_ bytes: [UInt8]) throws -> UnsafeMutablePointer<ASN1_OCTET_STRING> {
        guard let string = ASN1_OCTET_STRING_new() else { throw OpenSSLSupport.failure("ASN1_OCTET_STRING_new failed") }
        guard ASN1_OCTET_STRING_set(string, bytes, Int32(bytes.count)) == 1 else {
            ASN1_OCTET_STRING_free(string)
            throw OpenSSLSupport.failure("ASN1_OCTET_STRING_set failed")
        }
        return string
    }
}
