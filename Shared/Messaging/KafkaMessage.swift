/// A message read from Kafka, copied out of librdkafka's buffers.
public struct KafkaMessage: Sendable {
    public var topic: String
    public var partition: Int32
    public var offset: Int64
    public var key: [UInt8]?
    public var value: [UInt8]
    public var headers: [(String, [UInt8])]

    public var keyString: String? { key.map { String(decoding: $0, as: UTF8.self) } }
}
