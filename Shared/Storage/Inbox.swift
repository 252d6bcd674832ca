import CLMContracts
import CLMMessaging
import Logging
import PostgresNIO

/// A service's inbox table: the ids of the events it applied, so a re-delivered event is
/// recognised and applied at most once.
public struct Inbox: Sendable {
    public let schema: String

    public init(schema: String) { self.schema = schema }

    /// Records `event` as applied in the caller's transaction; false when it was already.
    func claim(_ header: EventHeader, message: KafkaMessage, on connection: PostgresConnection, logger: Logger)
        async throws -> Bool
    {
        try await !connection.query(
            """
            INSERT INTO \(unescaped: schema).inbox (event_id, event_type, topic, partition, "offset")
            VALUES (\(header.id), \(header.type), \(message.topic), \(Int(message.partition)), \(message.offset))
            ON CONFLICT (event_id) DO NOTHING RETURNING event_id
            """, logger: logger
        ).collectAll().isEmpty
    }
}
