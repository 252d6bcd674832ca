import CLMMessaging

/// What the broker acknowledged per partition, and the judgement of whether the broker still
/// has it. Pure, so the rules of noticing a lost log are tested without a broker.
public struct AcknowledgedOffsets: Sendable, Equatable {
    /// The highest offset acknowledged per partition.
    public private(set) var highest: [TopicPartition: Int64] = [:]
    /// The lowest offset acknowledged per partition in the latest round that wrote to it. A
    /// log's reported end can never honestly be below it: Kafka reports the offset after the
    /// last message, Tansu the first offset of the last batch it stored — never lower than
    /// the first message of our own latest batch.
    public private(set) var floor: [TopicPartition: Int64] = [:]

    public init() {}

    /// Offsets acknowledged before this process started: a later acknowledgement at or below
    /// them is a loss; their end is not judged (the last round's batches are unknown).
    public init(seeded highest: [TopicPartition: Int64]) {
        self.highest = highest
    }

    /// Records one round of acknowledgements in the order they arrived; describes the first
    /// that went backwards (a partition's log only ever grows, so a lower offset means it was
    /// lost).
    public mutating func record(_ acknowledgements: [(TopicPartition, Int64)]) -> String? {
        var regression: String?
        var lowest: [TopicPartition: Int64] = [:]
        for (partition, offset) in acknowledgements {
            if let previous = highest[partition], offset <= previous, regression == nil {
                regression = "\(partition) acknowledged offset \(offset) after \(previous)"
            }
            highest[partition] = max(highest[partition] ?? -1, offset)
            lowest[partition] = min(lowest[partition] ?? offset, offset)
        }
        floor.merge(lowest) { _, new in new }
        return regression
    }

    /// Judges the broker's answer about where `partition`'s log ends: a description of the
    /// loss, or nil when the log looks intact or the broker did not answer.
    public func judge(_ partition: TopicPartition, _ watermark: KafkaProducer.Watermark) -> String? {
        guard highest[partition] != nil else { return nil }
        switch watermark {
        case .unknownPartition: return "\(partition) is unknown to the broker"
        case .next(let end):
            guard let floor = floor[partition], end < floor else { return nil }
            return "\(partition) ends at \(end), before offset \(floor) it acknowledged"
        case .unavailable: return nil
        }
    }

    public mutating func forget() {
        highest.removeAll()
        floor.removeAll()
    }
}
