/// The JSON file a run writes (`CLM_BENCH_OUTPUT`), so runs can be compared.
struct ReportDocument: Encodable {
    /// When the run ended, ISO 8601.
    var time: String
    var concurrency: Int
    var cores: Int
    var scenarios: [ScenarioRow]
    var services: [ServiceRow]
    /// One core's crypto limit per operation, per second.
    var limits: [String: Double]

    struct ScenarioRow: Encodable {
        var scenario: String
        var requests: Int
        var concurrency: Int
        var issued: Int
        var failed: Int
        var refused: Int
        var wallSeconds: Double
        var certificatesPerSecond: Double
        var latencyMS: Latency
        var submitMS: SubmitLatency
        var limit: Limit
        var ratioToLimit: Double
    }

    /// Submit → issued, milliseconds.
    struct Latency: Encodable {
        var p50: Double
        var p95: Double
        var p99: Double
        var max: Double
    }

    /// The submission call alone, milliseconds.
    struct SubmitLatency: Encodable {
        var p50: Double
        var p99: Double
    }

    /// The crypto limit the scenario is compared with.
    struct Limit: Encodable {
        var name: String
        var perSecondOneCore: Double
    }

    /// One service's CPU and memory during the run.
    struct ServiceRow: Encodable {
        var service: String
        var cpuSeconds: Double
        var peakRSSMiB: Double
        var rssMiB: Double
    }
}
