import Foundation

extension UUID {
    /// The lowercase form CLM writes everywhere a request id is text: event subjects, Kafka
    /// keys, audit targets. Foundation's `uuidString` is uppercase.
    public var lowercasedString: String { uuidString.lowercased() }
}
