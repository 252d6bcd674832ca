/// A certificate serial number: a positive integer, big-endian bytes without a sign byte.
public struct SerialNumber: Sendable, Hashable, Codable, CustomStringConvertible {
    /// The magnitude, big-endian, no leading zero bytes.
    public let bytes: [UInt8]

    /// Wraps big-endian magnitude bytes (leading zeros are dropped).
    ///
    /// - Throws: ``CryptoError/malformedInput`` if the value is zero or longer than 20 bytes (RFC 5280 §4.1.2.2).
    public init(bytes: [UInt8]) throws {
        let trimmed = Array(bytes.drop(while: { $0 == 0 }))
        guard !trimmed.isEmpty else { throw CryptoError(.malformedInput, "serial number must not be zero") }
        // 20 octets when DER-encoded: a leading 0x80+ byte needs a sign byte too.
        guard trimmed.count < 20 || (trimmed.count == 20 && trimmed[0] < 0x80) else {
            throw CryptoError(.malformedInput, "serial number is longer than 20 octets")
        }
        self.bytes = trimmed
    }

    /// Parses hex (upper or lower case, optional `:` separators).
    public init(hex: String) throws {
        let digits = Array(hex.filter { $0 != ":" })
        guard !digits.isEmpty, digits.allSatisfy(\.isHexDigit) else {
            throw CryptoError(.malformedInput, "serial number is not hexadecimal")
        }
        let padded = digits.count % 2 == 0 ? digits : ["0"] + digits
        var bytes: [UInt8] = []
        var index = 0
        while index < padded.count {
            bytes.append(UInt8(String(padded[index...index + 1]), radix: 16)!)
            index += 2
        }
        try self.init(bytes: bytes)
    }

    /// A fresh serial: 16 random bytes (127 bits of entropy, well above the CA/Browser Forum's 64),
    /// top bit cleared so the integer is positive, first byte non-zero so it always encodes in 16 octets.
    public static func random() -> SerialNumber {
        while true {
            var bytes = SecureRandom.bytes(16)
            bytes[0] &= 0x7F
            if bytes[0] != 0, let serial = try? SerialNumber(bytes: bytes) {
                return serial
            }
        }
    }

    /// Uppercase hex without separators, e.g. `"3A0F…"`.
    public var hex: String { OpenSSLSupport.hex(bytes).uppercased() }

    public var description: String { hex }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        do {
            try self.init(hex: container.decode(String.self))
        } catch let error as CryptoError {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: error.reason)
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(hex)
    }
}
