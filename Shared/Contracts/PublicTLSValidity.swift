import Foundation

/// The longest validity the CA/Browser Forum TLS Baseline Requirements allow a subscriber
/// certificate, by the date it is issued (BR §6.3.2 as amended by ballot SC-081).
///
/// One table, so the registry (which refuses a public TLS policy whose maximum is already too
/// long) and intake (which judges each request on its submission date) cannot disagree. A day
/// is 86,400 seconds and the period counts its last second, as the BR count it; the CA issues
/// `validityDays` as exactly that many such days.
public enum PublicTLSValidity {
    /// One step of the schedule: the limit for certificates issued at or after `from`.
    public struct Step: Sendable, Equatable {
        /// First instant (midnight UTC) the limit applies to; nil for the step before all others.
        public var from: Date?
        public var maxDays: Int
    }

    /// The schedule, oldest first: 398 days, then 200 from 2026-03-15, 100 from 2027-03-15 and
    /// 47 from 2029-03-15 (each at 00:00 UTC).
    public static let schedule: [Step] = [
        Step(from: nil, maxDays: 398),
        Step(from: Date(timeIntervalSince1970: 1_773_532_800), maxDays: 200),
        Step(from: Date(timeIntervalSince1970: 1_805_068_800), maxDays: 100),
        Step(from: Date(timeIntervalSince1970: 1_868_227_200), maxDays: 47),
    ]

    /// The step in force for a certificate issued at `date`.
    public static func step(on date: Date) -> Step {
        schedule.last { step in step.from.map { date >= $0 } ?? true } ?? schedule[0]
    }

    /// Most days a public TLS certificate issued at `date` may be valid.
    public static func maxDays(on date: Date) -> Int { step(on: date).maxDays }

    /// The rule in force at `date`, as a refusal explains it: "the CA/Browser Forum Baseline
    /// Requirements allow at most 200 days for certificates issued from 2026-03-15 (ballot SC-081)".
    public static func rule(on date: Date) -> String {
        let step = step(on: date)
        let when: String
        if let from = step.from {
            when = "from \(day(from))"
        } else {
            when = schedule.dropFirst().first?.from.map { "before \(day($0))" } ?? "now"
        }
        return "the CA/Browser Forum Baseline Requirements allow at most \(step.maxDays) days "
            + "for certificates issued \(when) (ballot SC-081)"
    }

    /// `yyyy-MM-dd` in UTC.
    static func day(_ date: Date) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC") ?? .gmt
        let parts = calendar.dateComponents([.year, .month, .day], from: date)
        func two(_ value: Int?) -> String { value.map { $0 < 10 ? "0\($0)" : "\($0)" } ?? "??" }
        return "\(parts.year ?? 0)-\(two(parts.month))-\(two(parts.day))"
    }
}
