/// The `# HELP` text of every metric a CLM process exports: Prometheus shows it next to the
/// metric, and `promtool check metrics` requires it. Swift Metrics has no place for help text,
/// so it is added to the exposition on its way out, one line before each `# TYPE`.
public enum MetricHelp {
    static let texts = [
        "clm_authentication_failures_total": "Requests refused because their bearer token did not verify.",
        "clm_http_overload_refusals_total": "Requests refused with 503 because the in-flight limit was reached.",
        "clm_outbox_published_total": "Events the outbox relay published to Kafka, by schema.",
        "clm_outbox_failures_total": "Outbox relay rounds that failed and will be retried, by schema.",
        "clm_outbox_replays_total": "Published events queued again after the broker lost them, by schema.",
        "clm_events_processed_total": "Kafka events a consumer group applied, by group.",
        "clm_events_duplicate_total": "Kafka events skipped because the inbox had applied them already, by group.",
        "clm_events_deferred_total": "Kafka events put off for a retry after a transient failure, by group.",
        "clm_events_rejected_total": "Kafka events sent to the dead-letter topic, by group.",
        "clm_events_republished_total": "Kafka events published again by a consumer's recovery, by group.",
        "clm_requests_redriven_total": "Stalled requests whose last command was sent again.",
        "http_server_requests_total": "HTTP requests answered, by method, route and status.",
        "http_server_request_errors_total": "HTTP requests that ended in an error, by method and route.",
        "http_server_request_duration_seconds": "Time from receiving an HTTP request to its response, in seconds.",
        "http_server_active_requests": "HTTP requests being handled now.",
    ]

    /// Help for a metric not in the catalogue; a test makes sure no exported metric needs it.
    static func fallback(_ name: String) -> String { "\(name) (no description)" }

    /// `exposition` with a `# HELP` line before every `# TYPE` line that lacks one.
    public static func annotate(_ exposition: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(exposition.count + 4096)
        var previous: ArraySlice<UInt8> = []
        for line in exposition.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false) {
            if line.starts(with: Array("# TYPE ".utf8)) {
                let name = String(decoding: line.dropFirst(7).prefix { $0 != UInt8(ascii: " ") }, as: UTF8.self)
                if !previous.starts(with: Array("# HELP \(name) ".utf8)) {
                    out += Array("# HELP \(name) \(texts[name] ?? fallback(name))\n".utf8)
                }
            }
            out += line
            out.append(UInt8(ascii: "\n"))
            previous = line
        }
        // split keeps the text after the last newline as an element of its own: no extra one.
        if exposition.last == UInt8(ascii: "\n") || exposition.isEmpty { out.removeLast() }
        return out
    }
}
