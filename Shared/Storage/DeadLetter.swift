import CLMContracts
import CLMMessaging
import Foundation
import Logging
import ServiceLifecycle

/// The dead-letter topic: where an event that can never be processed is copied, with the
/// reason and its origin in headers, before its offset may advance — nothing skipped is lost.
/// Credential fields are replaced in the copy (`EventPayload.secretFields`).
public struct DeadLetter: Sendable {
    let producer: KafkaProducer
    let topic: String
    let groupID: String
    let logger: Logger

    public init(producer: KafkaProducer, topic: String, groupID: String, logger: Logger) {
        self.producer = producer
        self.topic = topic
        self.groupID = groupID
        self.logger = logger
    }

    /// Copies `message`, retrying until the broker takes it or the service stops.
    func send(_ message: KafkaMessage, reason: String) async throws {
        let headers: [(String, [UInt8])] = [
            ("clm-dlq-reason", Array(reason.prefix(2000).utf8)), ("clm-dlq-topic", Array(message.topic.utf8)),
            ("clm-dlq-partition", Array("\(message.partition)".utf8)),
            ("clm-dlq-offset", Array("\(message.offset)".utf8)), ("clm-dlq-group", Array(groupID.utf8)),
        ]
        var backoff = Duration.milliseconds(200)
        while true {
            do {
                try await producer.send(
                    topic: topic, key: message.keyString ?? "", value: Self.redacted(message.value), headers: headers)
                return
            } catch {
                logger.warning("dead-letter publish failed; retrying", metadata: ["error": "\(error)"])
                try? await Task.sleep(for: backoff)
                backoff = min(backoff * 2, .seconds(5))
                if Task.isCancelled || Task.isShuttingDownGracefully { throw CancellationError() }
            }
        }
    }

    /// The payload as it may be copied: the credential fields its type declares are replaced
    /// in `data`. Bytes whose type cannot be told are searched for any declared field.
    static func redacted(_ value: [UInt8]) -> [UInt8] {
        let type = (try? EventHeader.decode(value)).flatMap { EventType(rawValue: $0.type) }
        let fields = type.flatMap { EventPayloads.type(of: $0)?.secretFields } ?? EventPayloads.allSecretFields
        guard fields.contains(where: { value.firstRange(of: Array("\"\($0)\"".utf8)) != nil }) else { return value }
        guard var object = (try? JSONSerialization.jsonObject(with: Data(value))) as? [String: Any],
            var data = object["data"] as? [String: Any]
        else {
            // Cannot tell where the secret is: keep nothing rather than risk it.
            return Array(#"{"redacted":"the payload may hold a credential and could not be parsed"}"#.utf8)
        }
        for field in fields where data[field] != nil { data[field] = "[redacted]" }
        object["data"] = data
        return (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])).map(Array.init) ?? []
    }
}
