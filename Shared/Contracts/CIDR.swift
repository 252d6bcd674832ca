/// An IPv4 or IPv6 network in CIDR notation.
public struct CIDR: Sendable, Equatable {
    public let network: [UInt8]
    public let prefixLength: Int

    /// `address/length`, or a bare address (a network of one).
    public init?(_ text: String) {
        let parts = text.split(separator: "/", maxSplits: 1).map(String.init)
        guard let first = parts.first, let address = IPAddressText.bytes(first) else { return nil }
        let length = parts.count == 2 ? Int(parts[1]) : address.count * 8
        guard let length, (0...(address.count * 8)).contains(length) else { return nil }
        self.network = address
        self.prefixLength = length
    }

    /// Whether `ip` (text) lies in this network; addresses of the other family never do.
    public func contains(_ ip: String) -> Bool {
        guard let address = IPAddressText.bytes(ip), address.count == network.count else { return false }
        var remaining = prefixLength
        for index in 0..<address.count where remaining > 0 {
            let bits = min(8, remaining)
            let mask = UInt8(truncatingIfNeeded: 0xFF << (8 - bits))
            if address[index] & mask != network[index] & mask { return false }
            remaining -= bits
        }
        return true
    }
}
