import CRdKafka
import Logging
import ServiceLifecycle
import Synchronization

/// An `acks=all` producer, ordered per partition, whose delivery reports arrive as async results.
///
/// Run it as a service: `run()` serves delivery callbacks until graceful shutdown, then
/// flushes what is still queued and destroys the client.
public final class KafkaProducer: Service, Sendable {
    private let client: RdKafkaClient
    private let state = Mutex(State.running)
    private let flushTimeout: Duration

    private enum State { case running, stopping, closed }

    public init(configuration: KafkaConfiguration, logger: Logger, flushTimeout: Duration = .seconds(10)) throws {
        self.client = try RdKafkaClient(kind: .producer, properties: configuration.producerProperties(), logger: logger)
        self.flushTimeout = flushTimeout
    }

    /// Enqueues a message and returns at once; await the future for the broker's answer.
    /// Messages enqueued one after another with the same key reach the partition in order.
    public func produce(topic: String, key: String, value: [UInt8], headers: [(String, [UInt8])] = []) throws
        -> DeliveryFuture
    {
        guard state.withLock({ $0 == .running }) else { throw KafkaError(.closed, "producer is shut down") }
        let future = DeliveryFuture()
        let opaque = Unmanaged.passRetained(future).toOpaque()
        let err: rd_kafka_resp_err_t = topic.withCString { topicPointer in
            Array(key.utf8).withUnsafeBytes { keyBytes in
                value.withUnsafeBytes { valueBytes in
                    withHeaders(headers) { headerList in
                        var values = [rd_kafka_vu_t](repeating: rd_kafka_vu_t(), count: 6)
                        values[0].vtype = RD_KAFKA_VTYPE_TOPIC
                        values[0].u.cstr = topicPointer
                        values[1].vtype = RD_KAFKA_VTYPE_KEY
                        values[1].u.mem.ptr = UnsafeMutableRawPointer(mutating: keyBytes.baseAddress)
                        values[1].u.mem.size = keyBytes.count
                        values[2].vtype = RD_KAFKA_VTYPE_VALUE
                        values[2].u.mem.ptr = UnsafeMutableRawPointer(mutating: valueBytes.baseAddress)
                        values[2].u.mem.size = valueBytes.count
                        values[3].vtype = RD_KAFKA_VTYPE_MSGFLAGS
                        values[3].u.i = RD_KAFKA_MSG_F_COPY
                        values[4].vtype = RD_KAFKA_VTYPE_OPAQUE
                        values[4].u.ptr = opaque
                        var count = 5
                        if let headerList {
                            values[5].vtype = RD_KAFKA_VTYPE_HEADERS
                            values[5].u.headers = headerList
                            count = 6
                        }
                        guard let error = rd_kafka_produceva(client.handle, &values, count) else {
                            return RD_KAFKA_RESP_ERR_NO_ERROR
                        }
                        let code = rd_kafka_error_code(error)
                        rd_kafka_error_destroy(error)
                        // librdkafka took the headers only if it took the message.
                        if let headerList { rd_kafka_headers_destroy(headerList) }
                        return code
                    }
                }
            }
        }
        guard err == RD_KAFKA_RESP_ERR_NO_ERROR else {
            Unmanaged<DeliveryFuture>.fromOpaque(opaque).release()
            let code: KafkaError.Code = err == RD_KAFKA_RESP_ERR__QUEUE_FULL ? .queueFull : .other
            throw KafkaError(code, "could not enqueue message for \(topic)", rdkafka: err)
        }
        return future
    }

    /// Produces one message and waits until the broker acknowledged it.
    @discardableResult
    public func send(topic: String, key: String, value: [UInt8], headers: [(String, [UInt8])] = []) async throws
        -> DeliveryReport
    {
        try await produce(topic: topic, key: key, value: value, headers: headers).value
    }

    /// Whether a broker answers a metadata request within `timeout`.
    public func ping(timeout: Duration = .seconds(2)) async -> Bool {
        guard state.withLock({ $0 == .running }) else { return false }
        return await client.ping(timeout: timeout)
    }

    /// What a broker says about a partition's end of log.
    public enum Watermark: Sendable, Equatable {
        /// The offset the next message written to the partition will get.
        case next(Int64)
        /// The broker does not know the topic or partition (it lost or never had it).
        case unknownPartition
        /// No answer (broker down, timeout, other error).
        case unavailable
    }

    /// Asks the partition's leader for its high watermark.
    public func highWatermark(topic: String, partition: Int32, timeout: Duration = .seconds(2)) async -> Watermark {
        guard state.withLock({ $0 == .running }) else { return .unavailable }
        let client = self.client
        let timeoutMS = Int32(timeout.components.seconds * 1000)
        return await client.blocking {
            var low: Int64 = 0
            var high: Int64 = 0
            let err = rd_kafka_query_watermark_offsets(client.handle, topic, partition, &low, &high, timeoutMS)
            switch err {
            case RD_KAFKA_RESP_ERR_NO_ERROR: return .next(high)
            case RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART, RD_KAFKA_RESP_ERR__UNKNOWN_TOPIC,
                RD_KAFKA_RESP_ERR__UNKNOWN_PARTITION:
                return .unknownPartition
            default: return .unavailable
            }
        }
    }

    /// Creates topics that do not exist yet; existing ones are left as they are.
    public func createTopics(_ topics: [TopicSpecification], timeout: Duration = .seconds(15)) async throws {
        try await KafkaAdmin.createTopics(topics, client: client, timeout: timeout)
    }

    public func run() async throws {
        let client = self.client
        let pollTask = Task.detached {
            while !Task.isCancelled {
                // Serves delivery reports; 100 ms bounds how late shutdown notices.
                await client.blocking { _ = rd_kafka_poll(client.handle, 100) }
            }
        }
        try? await gracefulShutdown()
        state.withLock { $0 = .stopping }
        pollTask.cancel()
        _ = await pollTask.value
        let timeoutMS = Int32(flushTimeout.components.seconds * 1000)
        let remaining = await client.blocking {
            _ = rd_kafka_flush(client.handle, timeoutMS)
            return rd_kafka_outq_len(client.handle)
        }
        if remaining > 0 {
            client.logger.error("producer closed with \(remaining) undelivered messages; they stay in the outbox")
        }
        state.withLock { $0 = .closed }
        client.destroy()
    }
}

private func withHeaders<T>(_ headers: [(String, [UInt8])], _ body: (OpaquePointer?) -> T) -> T {
    guard !headers.isEmpty, let list = rd_kafka_headers_new(headers.count) else { return body(nil) }
    for (name, value) in headers {
        value.withUnsafeBytes { bytes in
            _ = rd_kafka_header_add(list, name, -1, bytes.baseAddress, bytes.count)
        }
    }
    return body(list)
}
