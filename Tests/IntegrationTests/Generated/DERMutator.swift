import Foundation

/// Mutations of a valid DER structure (a CSR, an OCSP request): bit flips, cuts, inserted and
/// removed bytes, lying lengths and tags, repeated parts; then wrapped the ways a CSR arrives
/// (PEM under several labels, bare base64, base64 with noise).
enum DERMutator {
    static func mutate(_ der: [UInt8], using random: inout SeededRandom) -> (family: String, bytes: [UInt8]) {
        guard !der.isEmpty else { return ("empty", []) }
        var bytes = der
        let index = Int.random(in: 0..<bytes.count, using: &random)
        switch Int.random(in: 0..<9, using: &random) {
        case 0:
            for _ in 0..<Int.random(in: 1...8, using: &random) {
                bytes[Int.random(in: 0..<bytes.count, using: &random)] ^= 1 << UInt8.random(in: 0...7, using: &random)
            }
            return ("der-bit-flip", bytes)
        case 1: return ("der-truncated", Array(bytes.prefix(index)))
        case 2:
            bytes.insert(contentsOf: random.bytes(Int.random(in: 1...32, using: &random)), at: index)
            return ("der-bytes-inserted", bytes)
        case 3:
            bytes.removeSubrange(index..<min(bytes.count, index + Int.random(in: 1...32, using: &random)))
            return ("der-bytes-removed", bytes)
        case 4:
            // A length octet that lies: indefinite, long-form with too many octets, 4 GiB, zero.
            let lengths: [[UInt8]] = [
                [0x80], [0x84, 0xFF, 0xFF, 0xFF, 0xFF], [0x89] + Array(repeating: 0xFF, count: 9), [0x00], [0x7F],
            ]
            let length = random.pick(lengths)
            let at = min(1 + random.pick([0, 0, 3, 4, 7]), bytes.count - 1)
            bytes.replaceSubrange(at...at, with: length)
            return ("der-lying-length", bytes)
        case 5:
            bytes[index] = random.pick(
                [UInt8]([0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x0C, 0x13, 0x17, 0x1F, 0x30, 0x31, 0xA0, 0xFF]))
            return ("der-tag", bytes)
        case 6:
            let end = min(bytes.count, index + Int.random(in: 1...64, using: &random))
            bytes.insert(contentsOf: bytes[index..<end], at: index)
            return ("der-repeated", bytes)
        case 7:
            let tails: [[UInt8]] = [[0x00], [0x00, 0x00], bytes, random.bytes(16)]
            return ("der-trailing", bytes + random.pick(tails))
        default:
            // Nested SEQUENCEs far deeper than any certificate.
            let depth = random.pick([100, 1000, 20_000])
            var nested: [UInt8] = []
            for _ in 0..<depth { nested += [0x30, 0x80] }
            return ("der-deep", nested + Array(repeating: 0x00, count: depth * 2))
        }
    }

    /// `der` as the text of a `csr` member: usually valid armour around it, sometimes not.
    static func text(_ der: [UInt8], using random: inout SeededRandom) -> String {
        let base64 = Data(der).base64EncodedString(options: [.lineLength64Characters, .endLineWithLineFeed])
        switch Int.random(in: 0..<8, using: &random) {
        case 0: return Data(der).base64EncodedString()
        case 1: return "-----BEGIN NEW CERTIFICATE REQUEST-----\n\(base64)\n-----END NEW CERTIFICATE REQUEST-----\n"
        case 2: return "-----BEGIN CERTIFICATE-----\n\(base64)\n-----END CERTIFICATE-----\n"
        case 3: return "-----BEGIN CERTIFICATE REQUEST-----\n\(base64)\n-----END CERTIFICATE-----\n"
        case 4:
            let noisy = base64.map {
                random.chance(1, in: 20) ? "\($0)\(random.pick([" ", "\t", "=", "*", "\r\n"]))" : "\($0)"
            }
            return "-----BEGIN CERTIFICATE REQUEST-----\n\(noisy.joined())\n-----END CERTIFICATE REQUEST-----\n"
        case 5: return "-----BEGIN CERTIFICATE REQUEST-----\n\(base64)"
        default: return "-----BEGIN CERTIFICATE REQUEST-----\n\(base64)\n-----END CERTIFICATE REQUEST-----\n"
        }
    }
}
