import CRdKafka
import Logging
import ServiceLifecycle
import Synchronization

/// A consumer-group member whose messages arrive as an `AsyncSequence`.
///
/// Offsets advance only when the application calls `markProcessed(_:)` (stored offsets are
/// then committed in the background, on revoke and on close). A crash therefore re-delivers
/// whatever was not yet marked; consumers deduplicate by event id.
public final class KafkaConsumer: Sendable {
    private let client: RdKafkaClient
    private let state = Mutex(State.open)
    private let pollInterval: Int32 = 100

    private enum State { case open, closing, closed }

    /// - Parameter onRebalance: called (on librdkafka's poll, keep it short) when partitions
    ///   are assigned or revoked.
    public init(
        configuration: KafkaConfiguration, groupID: String, topics: [String], logger: Logger,
        onRebalance: (@Sendable (KafkaRebalance) -> Void)? = nil
    ) throws {
        let client = try RdKafkaClient(
            kind: .consumer, properties: configuration.consumerProperties(groupID: groupID), logger: logger,
            onRebalance: onRebalance)
        self.client = client
        rd_kafka_poll_set_consumer(client.handle)
        guard let list = rd_kafka_topic_partition_list_new(Int32(topics.count)) else {
            throw KafkaError(.configuration, "could not allocate topic list")
        }
        defer { rd_kafka_topic_partition_list_destroy(list) }
        for topic in topics { rd_kafka_topic_partition_list_add(list, topic, RD_KAFKA_PARTITION_UA) }
        let err = rd_kafka_subscribe(client.handle, list)
        guard err == RD_KAFKA_RESP_ERR_NO_ERROR else {
            client.destroy()
            throw KafkaError(.configuration, "subscribe to \(topics)", rdkafka: err)
        }
    }

    /// Messages in partition order; ends when the consumer is closed or the task cancelled.
    public var messages: Messages { Messages(consumer: self) }

    /// Waits up to `timeout` for the next message; nil on timeout or once closed.
    public func poll(timeout: Duration = .milliseconds(100)) async -> KafkaMessage? {
        guard state.withLock({ $0 == .open }) else { return nil }
        let client = self.client
        let timeoutMS = Int32(
            timeout.components.seconds * 1000 + timeout.components.attoseconds / 1_000_000_000_000_000)
        return await client.blocking { [self] in
            // The handle may have been closed while this call waited for the queue.
            guard state.withLock({ $0 == .open }) else { return nil }
            guard let raw = rd_kafka_consumer_poll(client.handle, timeoutMS) else { return nil }
            defer { rd_kafka_message_destroy(raw) }
            let message = raw.pointee
            if message.err != RD_KAFKA_RESP_ERR_NO_ERROR {
                if message.err != RD_KAFKA_RESP_ERR__PARTITION_EOF {
                    client.logger.warning(
                        "kafka consumer error: \(String(cString: rd_kafka_err2str(message.err)))")
                }
                return nil
            }
            return copyMessage(raw)
        }
    }

    /// Marks a message as processed: its offset (+1) is stored and committed shortly after.
    public func markProcessed(_ message: KafkaMessage) {
        guard state.withLock({ $0 != .closed }) else { return }
        guard let list = rd_kafka_topic_partition_list_new(1) else { return }
        defer { rd_kafka_topic_partition_list_destroy(list) }
        rd_kafka_topic_partition_list_add(list, message.topic, message.partition).pointee.offset = message.offset + 1
        let err = rd_kafka_offsets_store(client.handle, list)
        if err != RD_KAFKA_RESP_ERR_NO_ERROR {
            // Happens when the partition was revoked meanwhile: the new owner re-delivers it.
            client.logger.debug("offset not stored: \(String(cString: rd_kafka_err2str(err)))")
        }
    }

    /// Commits stored offsets now and waits for the broker's answer.
    public func commit() async throws {
        let client = self.client
        let err = await client.blocking { rd_kafka_commit(client.handle, nil, 0) }
        if err != RD_KAFKA_RESP_ERR_NO_ERROR && err != RD_KAFKA_RESP_ERR__NO_OFFSET {
            throw KafkaError(.other, "commit", rdkafka: err)
        }
    }

    /// Commits stored offsets, leaves the group (so partitions move at once instead of after
    /// the session timeout) and frees the client. Safe to call more than once.
    public func close() async {
        let shouldClose = state.withLock { state -> Bool in
            guard state == .open else { return false }
            state = .closing
            return true
        }
        guard shouldClose else { return }
        let client = self.client
        await client.blocking {
            let err = rd_kafka_consumer_close(client.handle)
            if err != RD_KAFKA_RESP_ERR_NO_ERROR {
                client.logger.warning("consumer close: \(String(cString: rd_kafka_err2str(err)))")
            }
        }
        state.withLock { $0 = .closed }
        client.destroy()
    }

    /// The consumer's messages as an async sequence.
    public struct Messages: AsyncSequence, Sendable {
        public typealias Element = KafkaMessage
        let consumer: KafkaConsumer

        public func makeAsyncIterator() -> Iterator { Iterator(consumer: consumer) }

        public struct Iterator: AsyncIteratorProtocol {
            let consumer: KafkaConsumer
            public mutating func next() async -> KafkaMessage? {
                while !Task.isCancelled && !Task.isShuttingDownGracefully {
                    guard consumer.state.withLock({ $0 == .open }) else { return nil }
                    if let message = await consumer.poll() { return message }
                }
                return nil
            }
        }
    }
}

private func copyMessage(_ raw: UnsafeMutablePointer<rd_kafka_message_t>) -> KafkaMessage {
    let message = raw.pointee
    let topic = message.rkt.map { String(cString: rd_kafka_topic_name($0)) } ?? ""
    let value = message.payload.map { Array(UnsafeRawBufferPointer(start: $0, count: message.len)) } ?? []
    let key = message.key.map { Array(UnsafeRawBufferPointer(start: $0, count: message.key_len)) }
    var headers: [(String, [UInt8])] = []
    var headerList: OpaquePointer?
    if rd_kafka_message_headers(raw, &headerList) == RD_KAFKA_RESP_ERR_NO_ERROR, let headerList {
        var index = 0
        var name: UnsafePointer<CChar>?
        var valuePointer: UnsafeRawPointer?
        var size = 0
        while rd_kafka_header_get_all(headerList, index, &name, &valuePointer, &size) == RD_KAFKA_RESP_ERR_NO_ERROR {
            let bytes = valuePointer.map { Array(UnsafeRawBufferPointer(start: $0, count: size)) } ?? []
            headers.append((name.map { String(cString: $0) } ?? "", bytes))
            index += 1
        }
    }
    return KafkaMessage(
        topic: topic, partition: message.partition, offset: message.offset, key: key, value: value, headers: headers)
}
