/// Prometheus's naming conventions for the metrics libraries emit under their own names:
/// counters end in `_total`, durations in `_seconds`, and names and label names use `_` where
/// OpenTelemetry's semantic conventions use `.` (Hummingbird's `hb.requests` becomes
/// `http_server_requests_total`). CLM's own metrics are named this way already and pass
/// through unchanged.
public enum MetricNames {
    /// Library names with a conventional Prometheus name of their own.
    static let renamed = [
        "hb_requests": "http_server_requests_total",
        "hb_request_errors": "http_server_request_errors_total",
        "http_server_request_duration": "http_server_request_duration_seconds",
    ]

    /// The `nameAndLabelSanitizer` of the Prometheus factory.
    @Sendable public static func conventional(_ name: String, _ labels: [(String, String)]) -> (
        String, [(String, String)]
    ) {
        let underscored = underscore(name)
        return (renamed[underscored] ?? underscored, labels.map { (underscore($0.0), $0.1) })
    }

    /// `[a-zA-Z0-9_]` kept, anything else (dots, dashes) an underscore.
    static func underscore(_ text: String) -> String {
        String(
            text.map { character -> Character in
                character.isASCII && (character.isLetter || character.isNumber || character == "_") ? character : "_"
            })
    }
}
