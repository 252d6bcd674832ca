import CRdKafka
import Dispatch
import Foundation
import Logging

/// Owns one `rd_kafka_t` and the context its C callbacks reach through the opaque pointer.
/// librdkafka handles are thread-safe; blocking calls are made on `queue`, never on the
/// cooperative thread pool.
final class RdKafkaClient: @unchecked Sendable {
    enum Kind { case producer, consumer }

    /// Reached from librdkafka's threads through `rd_kafka_opaque`.
    final class Context: @unchecked Sendable {
        let logger: Logger
        let onRebalance: (@Sendable (KafkaRebalance) -> Void)?
        init(logger: Logger, onRebalance: (@Sendable (KafkaRebalance) -> Void)?) {
            self.logger = logger
            self.onRebalance = onRebalance
        }
    }

    let handle: OpaquePointer
    let queue: DispatchQueue
    let logger: Logger
    private let context: Unmanaged<Context>

    init(
        kind: Kind, properties: [String: String], logger: Logger,
        onRebalance: (@Sendable (KafkaRebalance) -> Void)? = nil
    ) throws {
        try LibrdkafkaVersion.checkRuntime()
        guard let conf = rd_kafka_conf_new() else { throw KafkaError(.configuration, "rd_kafka_conf_new failed") }
        var errorBuffer = [CChar](repeating: 0, count: 512)
        for (key, value) in properties.sorted(by: { $0.key < $1.key }) {
            if rd_kafka_conf_set(conf, key, value, &errorBuffer, errorBuffer.count) != RD_KAFKA_CONF_OK {
                rd_kafka_conf_destroy(conf)
                throw KafkaError(.configuration, "\(key): \(string(fromBuffer: errorBuffer))")
            }
        }
        let context = Unmanaged.passRetained(Context(logger: logger, onRebalance: onRebalance))
        rd_kafka_conf_set_opaque(conf, context.toOpaque())
        rd_kafka_conf_set_log_cb(conf, rdKafkaLogCallback)
        rd_kafka_conf_set_error_cb(conf, rdKafkaErrorCallback)
        switch kind {
        case .producer:
            rd_kafka_conf_set_dr_msg_cb(conf, rdKafkaDeliveryCallback)
        case .consumer:
            rd_kafka_conf_set_rebalance_cb(conf, rdKafkaRebalanceCallback)
        }
        // On success rd_kafka_new takes ownership of conf; on failure we still own it.
        guard
            let handle = rd_kafka_new(
                kind == .producer ? RD_KAFKA_PRODUCER : RD_KAFKA_CONSUMER, conf, &errorBuffer, errorBuffer.count)
        else {
            rd_kafka_conf_destroy(conf)
            context.release()
            throw KafkaError(.configuration, string(fromBuffer: errorBuffer))
        }
        self.handle = handle
        self.context = context
        self.logger = logger
        self.queue = DispatchQueue(label: "clm.kafka.\(kind == .producer ? "producer" : "consumer")")
    }

    /// Destroys the handle. Call exactly once, after all use has ended.
    func destroy() {
        rd_kafka_destroy(handle)
        context.release()
    }

    /// Runs a blocking librdkafka call on this client's queue.
    func blocking<T: Sendable>(_ body: @escaping @Sendable () -> T) async -> T {
        await withCheckedContinuation { continuation in
            queue.async { continuation.resume(returning: body()) }
        }
    }

    /// Asks a broker for cluster metadata: the cheapest proof that a broker is reachable.
    func ping(timeout: Duration) async -> Bool {
        let timeoutMS = Int32(timeout.components.seconds * 1000)
        return await blocking { [self] in
            var metadata: UnsafePointer<rd_kafka_metadata>?
            let err = rd_kafka_metadata(self.handle, 0, nil, &metadata, timeoutMS)
            if let metadata { rd_kafka_metadata_destroy(metadata) }
            return err == RD_KAFKA_RESP_ERR_NO_ERROR
        }
    }
}

/// A change of a consumer's partition assignment.
public enum KafkaRebalance: Sendable {
    case assigned([TopicPartition])
    case revoked([TopicPartition])
}

/// A topic and partition, as librdkafka reports them in rebalances.
public struct TopicPartition: Hashable, Sendable, CustomStringConvertible {
    public var topic: String
    public var partition: Int32
    public var description: String { "\(topic)[\(partition)]" }

    public init(topic: String, partition: Int32) {
        self.topic = topic
        self.partition = partition
    }
}

private func context(of rk: OpaquePointer?) -> RdKafkaClient.Context? {
    guard let rk, let opaque = rd_kafka_opaque(rk) else { return nil }
    return Unmanaged<RdKafkaClient.Context>.fromOpaque(opaque).takeUnretainedValue()
}

private let rdKafkaLogCallback:
    @convention(c) (OpaquePointer?, Int32, UnsafePointer<CChar>?, UnsafePointer<CChar>?) -> Void = {
        rk, level, facility, message in
        guard let context = context(of: rk) else { return }
        let text = message.map { String(cString: $0) } ?? ""
        let fac = facility.map { String(cString: $0) } ?? ""
        // syslog levels: 0–3 error, 4 warning, 5–6 info/notice, 7 debug.
        let logLevel: Logger.Level = level <= 3 ? .error : level == 4 ? .warning : level <= 6 ? .info : .debug
        context.logger.log(level: logLevel, "librdkafka: \(text)", metadata: ["kafka.facility": "\(fac)"])
    }

private let rdKafkaErrorCallback:
    @convention(c) (OpaquePointer?, Int32, UnsafePointer<CChar>?, UnsafeMutableRawPointer?) -> Void = {
        rk, err, reason, _ in
        guard let context = context(of: rk) else { return }
        let text = reason.map { String(cString: $0) } ?? ""
        context.logger.warning("kafka client error: \(text)", metadata: ["kafka.error": "\(err)"])
    }

private let rdKafkaDeliveryCallback:
    @convention(c) (OpaquePointer?, UnsafePointer<rd_kafka_message_t>?, UnsafeMutableRawPointer?) -> Void = {
        _, message, _ in
        guard let message, let opaque = message.pointee._private else { return }
        let future = Unmanaged<DeliveryFuture>.fromOpaque(opaque).takeRetainedValue()
        let err = message.pointee.err
        if err == RD_KAFKA_RESP_ERR_NO_ERROR {
            future.complete(
                .success(DeliveryReport(partition: message.pointee.partition, offset: message.pointee.offset)))
        } else {
            future.complete(.failure(KafkaError(.deliveryFailed, "message not delivered", rdkafka: err)))
        }
    }

private let rdKafkaRebalanceCallback:
    @convention(c) (
        OpaquePointer?, rd_kafka_resp_err_t, UnsafeMutablePointer<rd_kafka_topic_partition_list_t>?,
        UnsafeMutableRawPointer?
    ) -> Void = { rk, err, partitions, _ in
        guard let rk else { return }
        let list = partitions.map(topicPartitions) ?? []
        let ctx = context(of: rk)
        let cooperative = String(cString: rd_kafka_rebalance_protocol(rk)) == "COOPERATIVE"
        switch err {
        case RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS:
            ctx?.logger.info("kafka partitions assigned", metadata: ["kafka.partitions": "\(list)"])
            if cooperative {
                if let error = rd_kafka_incremental_assign(rk, partitions) { rd_kafka_error_destroy(error) }
            } else {
                rd_kafka_assign(rk, partitions)
            }
            ctx?.onRebalance?(.assigned(list))
        case RD_KAFKA_RESP_ERR__REVOKE_PARTITIONS:
            ctx?.logger.info("kafka partitions revoked", metadata: ["kafka.partitions": "\(list)"])
            // Commit what was processed before letting the partitions go, so the next owner
            // starts right after the last message this process finished.
            _ = rd_kafka_commit(rk, nil, 0)
            if cooperative {
                if let error = rd_kafka_incremental_unassign(rk, partitions) { rd_kafka_error_destroy(error) }
            } else {
                rd_kafka_assign(rk, nil)
            }
            ctx?.onRebalance?(.revoked(list))
        default:
            ctx?.logger.error("kafka rebalance error: \(String(cString: rd_kafka_err2str(err)))")
            rd_kafka_assign(rk, nil)
        }
    }

private func topicPartitions(_ list: UnsafeMutablePointer<rd_kafka_topic_partition_list_t>) -> [TopicPartition] {
    (0..<Int(list.pointee.cnt)).map { index in
        let element = list.pointee.elems[index]
        return TopicPartition(topic: String(cString: element.topic), partition: element.partition)
    }
}

/// Reads a NUL-terminated C string out of an error buffer librdkafka filled in.
func string(fromBuffer buffer: [CChar]) -> String {
    let bytes = buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }
    return String(decoding: bytes, as: UTF8.self)
}
