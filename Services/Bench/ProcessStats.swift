import Foundation

/// CPU time and peak memory of the running services, from /proc (Linux).
struct ProcessStats: Sendable {
    var cpuSeconds: Double
    /// VmHWM: the peak resident set since the process started.
    var peakRSSMiB: Double
    var rssMiB: Double

    static let ticksPerSecond = Double(sysconf(Int32(_SC_CLK_TCK)))

    static func read(pid: Int32) -> ProcessStats? {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
            let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
            let close = stat.lastIndex(of: ")")
        else { return nil }
        // Fields after "(comm)": state is field 3; utime and stime are fields 14 and 15.
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        guard fields.count > 13, let user = Double(fields[11]), let system = Double(fields[12]) else { return nil }
        func kib(_ key: String) -> Double {
            let line = status.split(separator: "\n").first { $0.hasPrefix(key + ":") } ?? ""
            return Double(line.split(separator: " ").dropFirst().first ?? "0") ?? 0
        }
        return ProcessStats(
            cpuSeconds: (user + system) / ticksPerSecond, peakRSSMiB: kib("VmHWM") / 1024, rssMiB: kib("VmRSS") / 1024)
    }

    /// The pid recorded by scripts/services.sh for `service`.
    static func pid(of service: String, runDirectory: URL) -> Int32? {
        let file = runDirectory.appendingPathComponent("pids/\(service).pid")
        guard let text = try? String(contentsOf: file, encoding: .utf8) else { return nil }
        return Int32(text.split(separator: "\n").first.map(String.init)?.trimmingCharacters(in: .whitespaces) ?? "")
    }
}
