import Logging

extension EnvironmentReader {
    /// `CLM_LOG_LEVEL`: trace, debug, info (default), notice, warning, error, critical.
    public mutating func logLevel() -> Logger.Level {
        let text = string("CLM_LOG_LEVEL", default: "info")
        guard let level = Logger.Level(rawValue: text.lowercased()) else {
            problem(
                "CLM_LOG_LEVEL must be one of trace, debug, info, notice, warning, error, critical, got \(Self.quoted(text))"
            )
            return .info
        }
        return level
    }
}
