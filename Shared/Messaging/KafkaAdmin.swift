import CRdKafka

/// A topic to create: name, partition count and topic-level configuration.
public struct TopicSpecification: Sendable, Equatable {
    public var name: String
    public var partitions: Int
    public var replicationFactor: Int
    public var configuration: [String: String]

    public init(name: String, partitions: Int, replicationFactor: Int = -1, configuration: [String: String] = [:]) {
        self.name = name
        self.partitions = partitions
        self.replicationFactor = replicationFactor
        self.configuration = configuration
    }
}

/// Admin operations over an existing client handle.
enum KafkaAdmin {
    /// Creates the topics, treating "already exists" as success. Services call this at start
    /// so the partition count is the one we chose, not the broker's auto-create default.
    static func createTopics(_ topics: [TopicSpecification], client: RdKafkaClient, timeout: Duration) async throws {
        guard !topics.isEmpty else { return }
        let timeoutMS = Int32(timeout.components.seconds * 1000)
        let failure: KafkaError? = await client.blocking {
            let handle = client.handle
            var errorBuffer = [CChar](repeating: 0, count: 512)
            var newTopics: [OpaquePointer?] = []
            defer { for topic in newTopics { rd_kafka_NewTopic_destroy(topic) } }
            for spec in topics {
                guard
                    let topic = rd_kafka_NewTopic_new(
                        spec.name, Int32(spec.partitions), Int32(spec.replicationFactor), &errorBuffer,
                        errorBuffer.count)
                else {
                    return KafkaError(.topicCreationFailed, "\(spec.name): \(string(fromBuffer: errorBuffer))")
                }
                for (key, value) in spec.configuration {
                    _ = rd_kafka_NewTopic_set_config(topic, key, value)
                }
                newTopics.append(topic)
            }
            guard let queue = rd_kafka_queue_new(handle) else {
                return KafkaError(.topicCreationFailed, "could not create admin queue")
            }
            defer { rd_kafka_queue_destroy(queue) }
            let options = rd_kafka_AdminOptions_new(handle, RD_KAFKA_ADMIN_OP_CREATETOPICS)
            defer { rd_kafka_AdminOptions_destroy(options) }
            _ = rd_kafka_AdminOptions_set_request_timeout(options, timeoutMS, &errorBuffer, errorBuffer.count)
            _ = rd_kafka_AdminOptions_set_operation_timeout(options, timeoutMS, &errorBuffer, errorBuffer.count)
            newTopics.withUnsafeMutableBufferPointer { buffer in
                rd_kafka_CreateTopics(handle, buffer.baseAddress, buffer.count, options, queue)
            }
            guard let event = rd_kafka_queue_poll(queue, timeoutMS + 1000) else {
                return KafkaError(.brokerUnavailable, "no answer to CreateTopics within \(timeout)")
            }
            defer { rd_kafka_event_destroy(event) }
            let eventError = rd_kafka_event_error(event)
            if eventError != RD_KAFKA_RESP_ERR_NO_ERROR {
                let code: KafkaError.Code =
                    eventError == RD_KAFKA_RESP_ERR__TIMED_OUT || eventError == RD_KAFKA_RESP_ERR__TRANSPORT
                    ? .brokerUnavailable : .topicCreationFailed
                return KafkaError(code, "CreateTopics", rdkafka: eventError)
            }
            guard let result = rd_kafka_event_CreateTopics_result(event) else {
                return KafkaError(.topicCreationFailed, "unexpected admin event")
            }
            var count = 0
            guard let results = rd_kafka_CreateTopics_result_topics(result, &count) else { return nil }
            for index in 0..<count {
                let topicResult = results[index]
                let err = rd_kafka_topic_result_error(topicResult)
                if err != RD_KAFKA_RESP_ERR_NO_ERROR && err != RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS {
                    let name = String(cString: rd_kafka_topic_result_name(topicResult))
                    return KafkaError(.topicCreationFailed, "topic \(name)", rdkafka: err)
                }
            }
            return nil
        }
        if let failure { throw failure }
    }
}
