/// Durations as policy authors write them: a positive whole number and one unit, `90s`, `30m`,
/// `72h`, `7d`. One unit keeps them unambiguous to read and to compare.
public enum DurationText {
    /// Seconds per unit.
    static let units: [Character: Int] = ["s": 1, "m": 60, "h": 3_600, "d": 86_400]

    /// The duration in seconds, or nil when `text` is not of that form.
    public static func seconds(_ text: String) -> Int? {
        guard let unit = text.last, let scale = units[unit] else { return nil }
        let digits = text.dropLast()
        guard (1...7).contains(digits.count), digits.allSatisfy({ $0.isASCII && $0.isNumber }),
            digits.first != "0", let value = Int(digits)
        else { return nil }
        return value * scale
    }

    /// A problem with `text` as a duration between `range` seconds, or nil when it is fine.
    static func problem(_ text: String, at path: String, range: ClosedRange<Int>) -> String? {
        guard let seconds = seconds(text) else {
            return "\(path): '\(text)' is not a duration such as 90s, 30m, 72h or 7d"
        }
        guard range.contains(seconds) else {
            return "\(path): must be between \(describe(range.lowerBound)) and \(describe(range.upperBound))"
        }
        return nil
    }

    /// The shortest exact text for `seconds` (`86400` → `1d`).
    public static func describe(_ seconds: Int) -> String {
        for (unit, scale) in [("d", 86_400), ("h", 3_600), ("m", 60)] where seconds % scale == 0 && seconds >= scale {
            return "\(seconds / scale)\(unit)"
        }
        return "\(seconds)s"
    }
}
