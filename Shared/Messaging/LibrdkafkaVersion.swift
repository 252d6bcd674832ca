import CRdKafka

/// The librdkafka linked at run time, and the check that refuses versions CLM cannot use.
///
/// librdkafka 2.0.x (Debian 12's package) mis-reads tagged fields in flexible-version
/// responses (upstream issue 4253, fixed in 2.2.0) and then fails against current brokers in
/// ways that look like broker faults. Refusing at start turns that into one clear line.
public struct LibrdkafkaVersion: Sendable, Comparable, CustomStringConvertible {
    /// `0xMMmmrrpp` as returned by `rd_kafka_version()`.
    public let hex: Int

    public static let minimumSupported = LibrdkafkaVersion(hex: 0x0202_0000)

    public static var runtime: LibrdkafkaVersion { LibrdkafkaVersion(hex: Int(rd_kafka_version())) }

    public init(hex: Int) { self.hex = hex }

    public var major: Int { (hex >> 24) & 0xFF }
    public var minor: Int { (hex >> 16) & 0xFF }
    public var revision: Int { (hex >> 8) & 0xFF }
    public var description: String { "\(major).\(minor).\(revision)" }

    public static func < (lhs: LibrdkafkaVersion, rhs: LibrdkafkaVersion) -> Bool {
        (lhs.hex & ~0xFF) < (rhs.hex & ~0xFF)
    }

    /// Throws `.unsupportedLibrary` with a message that says why and how to fix it.
    public static func checkRuntime(_ version: LibrdkafkaVersion = .runtime) throws {
        guard version >= minimumSupported else {
            throw KafkaError(
                .unsupportedLibrary,
                "librdkafka \(version) is loaded, but CLM needs \(minimumSupported) or newer "
                    + "(2.0.x mis-parses tagged fields of current brokers, upstream issue 4253). "
                    + "Run `make setup` and start services with LD_LIBRARY_PATH=<repo>/.local/lib, "
                    + "or install librdkafka1 >= 2.2 from your distribution."
            )
        }
    }
}
