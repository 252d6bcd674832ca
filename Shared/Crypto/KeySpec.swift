/// A concrete key type and size: what a crypto template allows and what key generation produces.
///
/// Its textual form (``description``, ``init(parsing:)``, and `Codable` as a single string) is
/// `rsa:2048`, `rsa:3072`, `rsa:4096`, `ec:P-256`, `ec:P-384`, `ec:P-521`, `ed25519`, `ed448`.
public enum KeySpec: Sendable, Hashable, Codable, LosslessStringConvertible {
    /// RSA with the given modulus size; generation supports 2048, 3072 and 4096.
    case rsa(bits: Int)
    /// ECDSA on a named curve.
    case ec(curve: ECCurve)
    /// EdDSA over Curve25519.
    case ed25519
    /// EdDSA over Curve448.
    case ed448

    /// The RSA modulus sizes key generation accepts.
    public static let supportedRSABits: Set<Int> = [2048, 3072, 4096]

    /// Every spec key generation supports.
    public static let allSupported: [KeySpec] =
        [.rsa(bits: 2048), .rsa(bits: 3072), .rsa(bits: 4096)] + ECCurve.allCases.map { .ec(curve: $0) } + [
            .ed25519, .ed448,
        ]

    /// Parses `rsa:3072`, `ec:p256`, `ec:P-384`, `ed25519`, `ed448` (case-insensitive).
    ///
    /// - Throws: ``CryptoError/unsupportedAlgorithm`` naming what was not understood.
    public init(parsing text: String) throws {
        let trimmed = text.trimmingWhitespace().lowercased()
        let parts = trimmed.split(separator: ":", maxSplits: 1).map(String.init)
        switch (parts.first ?? "", parts.count) {
        case ("ed25519", 1):
            self = .ed25519
        case ("ed448", 1):
            self = .ed448
        case ("rsa", 2):
            guard let bits = Int(parts[1]), KeySpec.supportedRSABits.contains(bits) else {
                throw CryptoError(.unsupportedAlgorithm, "RSA key size \"\(parts[1])\" is not one of 2048, 3072, 4096")
            }
            self = .rsa(bits: bits)
        case ("ec", 2):
            guard let curve = ECCurve(name: parts[1]) else {
                throw CryptoError(.unsupportedAlgorithm, "EC curve \"\(parts[1])\" is not one of P-256, P-384, P-521")
            }
            self = .ec(curve: curve)
        default:
            throw CryptoError(
                .unsupportedAlgorithm,
                "key spec \"\(text.prefix(40))\" is not one of rsa:<bits>, ec:<curve>, ed25519, ed448"
            )
        }
    }

    public init?(_ description: String) {
        try? self.init(parsing: description)
    }

    /// The algorithm family.
    public var algorithm: KeyAlgorithm {
        switch self {
        case .rsa: .rsa
        case .ec: .ec
        case .ed25519: .ed25519
        case .ed448: .ed448
        }
    }

    public var description: String {
        switch self {
        case .rsa(let bits): "rsa:\(bits)"
        case .ec(let curve): "ec:\(curve.rawValue)"
        case .ed25519: "ed25519"
        case .ed448: "ed448"
        }
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        do {
            try self.init(parsing: text)
        } catch let error as CryptoError {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: error.reason)
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}

extension String {
    func trimmingWhitespace() -> String {
        var scalars = Substring(self)
        while let first = scalars.first, first.isWhitespace { scalars.removeFirst() }
        while let last = scalars.last, last.isWhitespace { scalars.removeLast() }
        return String(scalars)
    }
}
