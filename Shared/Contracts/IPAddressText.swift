#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// IP addresses in text, as the C library parses them.
public enum IPAddressText {
    /// The 4 (IPv4 dotted decimal) or 16 (IPv6, any RFC 4291 form) bytes of `text`; nil if it is
    /// neither.
    public static func bytes(_ text: String) -> [UInt8]? {
        var buffer = [UInt8](repeating: 0, count: 16)
        if text.contains(":") {
            return inet_pton(AF_INET6, text, &buffer) == 1 ? buffer : nil
        }
        return inet_pton(AF_INET, text, &buffer) == 1 ? Array(buffer.prefix(4)) : nil
    }
}
