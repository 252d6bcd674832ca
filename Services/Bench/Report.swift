import Foundation

/// The table on stdout and the JSON file, so runs can be compared.
struct Report {
    let results: [Driver.Result]
    let limits: [String: CryptoLimits.Rate]
    let before: [String: ProcessStats]
    let after: [String: ProcessStats]
    let services: [String]
    let concurrency: Int

    static func percentile(_ sorted: [Double], _ p: Double) -> Double {
        guard !sorted.isEmpty else { return 0 }
        let rank = min(sorted.count - 1, max(0, Int((p / 100 * Double(sorted.count)).rounded(.up)) - 1))
        return sorted[rank]
    }

    func emit(jsonPath: String) {
        let scenarios = emitScenarios()
        let processes = emitServices()
        print("")
        print(
            "one core, this run: "
                + limits.values.sorted { $0.name < $1.name }.map {
                    "\($0.name) \(String(format: $0.perSecond < 10 ? "%.2f" : "%.0f", $0.perSecond))/s"
                }.joined(separator: ", "))
        let document = ReportDocument(
            time: ISO8601DateFormatter().string(from: Date()), concurrency: concurrency,
            cores: ProcessInfo.processInfo.activeProcessorCount, scenarios: scenarios, services: processes,
            limits: limits.mapValues(\.perSecond))
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        let url = URL(fileURLWithPath: jsonPath)
        try? FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        if let data = try? encoder.encode(document),
            (try? data.write(to: url)) != nil
        {
            print("JSON: \(jsonPath)")
        }
    }

    /// The scenario table on standard output; its rows for the JSON report.
    private func emitScenarios() -> [ReportDocument.ScenarioRow] {
        print("")
        print(
            "scenario          n     ok  fail  cert/s   p50 ms   p95 ms   p99 ms  submit p50  1-core limit/s        ratio"
        )
        var json: [ReportDocument.ScenarioRow] = []
        for result in results {
            let limit = limits[result.limitName]?.perSecond ?? 0
            let ratio = limit > 0 ? result.throughput / limit : 0
            let p = [50.0, 95, 99].map { Self.percentile(result.latenciesMS, $0) }
            print(
                result.scenario.padding(toLength: 16, withPad: " ", startingAt: 0)
                    + String(
                        format: "%5d  %5d  %4d  %6.1f  %7.0f  %7.0f  %7.0f  %10.0f  ",
                        result.count, result.issued, result.failed + result.refused, result.throughput, p[0], p[1],
                        p[2], Self.percentile(result.submitMS, 50))
                    + result.limitName.padding(toLength: 17, withPad: " ", startingAt: 0)
                    + String(format: limit < 10 ? "%5.2f  %6.1f%%" : "%5.0f  %6.1f%%", limit, ratio * 100))
            json.append(
                ReportDocument.ScenarioRow(
                    scenario: result.scenario, requests: result.count, concurrency: result.concurrency,
                    issued: result.issued, failed: result.failed, refused: result.refused,
                    wallSeconds: result.wallSeconds, certificatesPerSecond: result.throughput,
                    latencyMS: .init(p50: p[0], p95: p[1], p99: p[2], max: result.latenciesMS.last ?? 0),
                    submitMS: .init(
                        p50: Self.percentile(result.submitMS, 50), p99: Self.percentile(result.submitMS, 99)),
                    limit: .init(name: result.limitName, perSecondOneCore: limit), ratioToLimit: ratio))
        }
        return json
    }

    /// Each service's CPU and memory during the run; its rows for the JSON report.
    private func emitServices() -> [ReportDocument.ServiceRow] {
        print("")
        print("service       CPU s (run)   peak RSS MiB   RSS MiB")
        var processes: [ReportDocument.ServiceRow] = []
        for name in services {
            guard let end = after[name] else {
                print(
                    name.padding(toLength: 12, withPad: " ", startingAt: 0)
                        + "  (no pid in .run/pids: not started by scripts/services.sh)")
                continue
            }
            let cpu = end.cpuSeconds - (before[name]?.cpuSeconds ?? 0)
            print(
                name.padding(toLength: 12, withPad: " ", startingAt: 0)
                    + String(format: "  %11.1f   %12.1f   %7.1f", cpu, end.peakRSSMiB, end.rssMiB))
            processes.append(
                ReportDocument.ServiceRow(
                    service: name, cpuSeconds: cpu, peakRSSMiB: end.peakRSSMiB, rssMiB: end.rssMiB))
        }
        return processes
    }
}
