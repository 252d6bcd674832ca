import CRdKafka

/// An error from the Kafka layer. Equality is on `code`, so callers and tests can match
/// the kind of failure without depending on librdkafka's wording.
public struct KafkaError: Error, Sendable, Equatable, CustomStringConvertible {
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private let name: String
        private init(_ name: String) { self.name = name }
        public var description: String { name }

        /// librdkafka older than the minimum CLM supports.
        public static let unsupportedLibrary = Code("unsupported-library")
        /// A configuration property was rejected by librdkafka.
        public static let configuration = Code("configuration")
        /// No broker answered in time.
        public static let brokerUnavailable = Code("broker-unavailable")
        /// The local produce queue is full; back off and retry.
        public static let queueFull = Code("queue-full")
        /// The broker did not acknowledge the message before `message.timeout.ms`.
        public static let deliveryFailed = Code("delivery-failed")
        public static let topicCreationFailed = Code("topic-creation-failed")
        /// The client was already shut down.
        public static let closed = Code("closed")
        public static let other = Code("other")
    }

    public let code: Code
    public let message: String
    /// librdkafka's error code, when the error came from it.
    public let rdkafkaError: Int32?

    public init(_ code: Code, _ message: String, rdkafkaError: Int32? = nil) {
        self.code = code
        self.message = message
        self.rdkafkaError = rdkafkaError
    }

    init(_ code: Code, _ context: String, rdkafka err: rd_kafka_resp_err_t) {
        self.init(code, "\(context): \(String(cString: rd_kafka_err2str(err)))", rdkafkaError: err.rawValue)
    }

    public var description: String { "Kafka \(code): \(message)" }

    public static func == (lhs: KafkaError, rhs: KafkaError) -> Bool { lhs.code == rhs.code }
}
