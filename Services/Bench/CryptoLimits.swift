import CLMCrypto
import Foundation

/// The physical limit, measured on this machine in this run: how fast one core signs and
/// generates keys with the same OpenSSL the services use.
enum CryptoLimits {
    struct Rate: Sendable {
        var name: String
        var perSecond: Double
    }

    /// Runs `operation` on one thread for about `seconds` and returns operations per second.
    static func measure(_ name: String, seconds: Double, _ operation: () throws -> Void) rethrows -> Rate {
        let start = Date()
        var count = 0
        repeat {
            try operation()
            count += 1
        } while Date().timeIntervalSince(start) < seconds
        return Rate(name: name, perSecond: Double(count) / Date().timeIntervalSince(start))
    }

    static func all() throws -> [String: Rate] {
        let message = [UInt8](repeating: 0x5A, count: 512)  // about a TBSCertificate's size
        let p256 = try PrivateKey.generate(.ec(curve: .p256))
        let rates = [
            try measure("ECDSA P-256 sign", seconds: 2) { _ = try p256.sign(message, digest: .sha256) },
            try measure("EC P-256 keygen", seconds: 2) { _ = try PrivateKey.generate(.ec(curve: .p256)) },
            try measure("RSA-3072 keygen", seconds: 6) { _ = try PrivateKey.generate(.rsa(bits: 3072)) },
        ]
        return Dictionary(uniqueKeysWithValues: rates.map { ($0.name, $0) })
    }
}
