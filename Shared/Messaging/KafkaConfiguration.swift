/// Connection settings shared by producers, consumers and the admin client.
public struct KafkaConfiguration: Sendable {
    /// Comma-separated `host:port` list. Default `127.0.0.1:19092` (the local broker).
    public var bootstrapServers: String
    /// Identifies this process in broker logs and metrics.
    public var clientID: String
    /// Extra librdkafka properties (TLS, SASL…), applied last so operators can override.
    public var properties: [String: String]
    /// How long a fetch may wait at the broker for data (`fetch.wait.max.ms`). Apache Kafka
    /// answers as soon as data arrives, so this only bounds idle polling there; Tansu answers
    /// only when it runs out, so every hop waits about half of it (produce→consume p50 252 ms
    /// at 500 ms, 27 ms at 50 ms). Shorter waits cost Tansu CPU while idle: with the local
    /// system's consumers, 2.8 % of a core at 500 ms, 18 % at 50 ms (measured 2026-12-01).
    /// Default 500 ms, librdkafka's own.
    public var fetchWait: Duration

    public init(
        bootstrapServers: String = "127.0.0.1:19092", clientID: String, properties: [String: String] = [:],
        fetchWait: Duration = .milliseconds(500)
    ) {
        self.bootstrapServers = bootstrapServers
        self.clientID = clientID
        self.properties = properties
        self.fetchWait = fetchWait
    }

    /// Producer properties: `acks=all` and one request in flight per broker, so a retry never
    /// reorders a partition. Not idempotent: an idempotent producer's id dies with a broker
    /// that loses its state (Tansu in memory, an unclean election), and librdkafka then fails
    /// every later message; consumers deduplicate by event id instead (decision 0014).
    /// Topics are never auto-created by producing: a broker that lost them would create them
    /// with its own defaults; the outbox relay re-creates them with CLM's partitions.
    func producerProperties() -> [String: String] {
        var props = base()
        props["enable.idempotence"] = "false"
        props["acks"] = "all"
        props["linger.ms"] = "2"
        props["message.timeout.ms"] = "30000"
        props["max.in.flight.requests.per.connection"] = "1"
        props["allow.auto.create.topics"] = "false"
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
        let (seconds, attoseconds) = fetchWait.components
        props["fetch.wait.max.ms"] = "\(seconds * 1000 + attoseconds / 1_000_000_000_000_000)"
        // A broker that lost its topics gets them back from a relay moments later; look for
        // them every 5 s (default 5 min) so the group picks their partitions up at once.
        props["topic.metadata.refresh.interval.ms"] = "5000"
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
