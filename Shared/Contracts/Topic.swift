/// The Kafka topics CLM uses. Names carry a configurable prefix (`CLM_KAFKA_TOPIC_PREFIX`),
/// so several installations (or test runs) can share one cluster.
public enum Topic: String, Sendable, CaseIterable {
    /// Compacted: latest snapshot of every realm, policy version and end entity.
    case registry = "registry"
    /// Commands from external systems (request submission over Kafka).
    case requestCommands = "request.commands"
    /// The issuance workflow, keyed by request id so one request's events stay in order.
    case requestEvents = "request.events"
    /// Lifecycle and audit stream for ops dashboards.
    case lifecycle = "lifecycle"
    /// Events no consumer could process, with the reason in headers, for ops to inspect.
    case deadLetter = "dead-letter"

    public func name(prefix: String) -> String { prefix.isEmpty ? rawValue : "\(prefix).\(rawValue)" }

    /// The consumer group of a service within one installation, e.g. `clm.approval`.
    public static func groupID(prefix: String, service: String) -> String {
        prefix.isEmpty ? service : "\(prefix).\(service)"
    }

    /// Partition count used when the topic is created. Request traffic is spread over more
    /// partitions; registry snapshots stay in one so they replay in the order written.
    public var partitions: Int {
        switch self {
        case .registry: 1
        case .requestCommands, .requestEvents: 8
        case .lifecycle: 4
        case .deadLetter: 1
        }
    }

    /// Topic-level configuration applied at creation.
    public var configuration: [String: String] {
        switch self {
        case .registry: ["cleanup.policy": "compact"]
        default: [:]
        }
    }
}
