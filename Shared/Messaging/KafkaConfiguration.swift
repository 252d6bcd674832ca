/// Connection settings shared by producers, consumers and the admin client.
public struct KafkaConfiguration: Sendable {
    /// Comma-separated `host:port` list. Default `127.0.0.1:19092` (the local broker).
    public var bootstrapServers: String
    /// Identifies this process in broker logs and metrics.
    public var clientID: String
    /// Extra librdkafka properties (TLS, SASL…), applied last so operators can override.
    public var properties: [String: String]

    public init(bootstrapServers: String = "127.0.0.1:19092", clientID: String, properties: [String: String] = [:]) {
        self.bootstrapServers = bootstrapServers
        self.clientID = clientID
        self.properties = properties
    }

    /// Producer properties: idempotent, `acks=all`, so a retry never duplicates or reorders
    /// a message within a partition.
    func producerProperties() -> [String: String] {
        var props = base()
        props["enable.idempotence"] = "true"
        props["acks"] = "all"
        props["linger.ms"] = "2"
        props["message.timeout.ms"] = "30000"
        props["max.in.flight.requests.per.connection"] = "5"
        return props.merging(properties) { _, override in override }
    }

    /// Consumer properties: offsets are stored only when the application marks a message
    /// processed, and only stored offsets are ever committed.
    func consumerProperties(groupID: String) -> [String: String] {
        var props = base()
        props["group.id"] = groupID
        props["enable.auto.commit"] = "true"
        props["auto.commit.interval.ms"] = "500"
        props["enable.auto.offset.store"] = "false"
        props["auto.offset.reset"] = "earliest"
        // Tansu makes a first join wait about one session timeout; 6 s keeps start-up quick
        // while tolerating a paused process for a few seconds.
        props["session.timeout.ms"] = "6000"
        props["heartbeat.interval.ms"] = "1000"
        props["enable.partition.eof"] = "false"
        return props.merging(properties) { _, override in override }
    }

    private func base() -> [String: String] {
        [
            "bootstrap.servers": bootstrapServers,
            "client.id": clientID,
            "socket.keepalive.enable": "true",
            "reconnect.backoff.max.ms": "2000",
            "log.queue": "false",
        ]
    }
}
