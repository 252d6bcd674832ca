import CLMMessaging

/// The highest offset the broker acknowledged per partition, and the judgement of whether the
/// broker still has it. Pure, so the rules of noticing a lost log are tested without a broker.
public struct AcknowledgedOffsets: Sendable, Equatable {
    public private(set) var highest: [TopicPartition: Int64] = [:]

    public init(_ highest: [TopicPartition: Int64] = [:]) {
        self.highest = highest
    }

    /// Records acknowledgements in the order they arrived; describes the first one that went
    /// backwards (a partition's log only ever grows, so a lower offset means it was lost).
    public mutating func record(_ acknowledgements: [(TopicPartition, Int64)]) -> String? {
        var regression: String?
        for (partition, offset) in acknowledgements {
            if let previous = highest[partition], offset <= previous, regression == nil {
                regression = "\(partition) acknowledged offset \(offset) after \(previous)"
            }
            highest[partition] = max(highest[partition] ?? -1, offset)
        }
        return regression
    }

    /// Judges the broker's answer about where `partition`'s log ends: a description of the
    /// loss, or nil when the log is intact or the broker did not answer.
    public func judge(_ partition: TopicPartition, _ watermark: KafkaProducer.Watermark) -> String? {
        guard let offset = highest[partition] else { return nil }
        switch watermark {
        // Strictly below: Tansu answers the last offset written where Kafka answers the next;
        // a wiped log still shows, as an unknown partition or a lower offset.
        case .next(let next) where next < offset: return "\(partition) ends at \(next) but acknowledged \(offset)"
        case .unknownPartition: return "\(partition) is unknown to the broker"
        case .next, .unavailable: return nil
        }
    }

    public mutating func forget() { highest.removeAll() }
}
