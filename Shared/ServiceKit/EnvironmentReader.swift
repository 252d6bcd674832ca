import Foundation

/// Reads `CLM_*` settings with defaults, collecting every invalid value instead of stopping
/// at the first, so one start-up message lists all that is wrong.
public struct EnvironmentReader {
    private let values: [String: String]
    public private(set) var problems: [String] = []

    public init(_ values: [String: String] = ProcessInfo.processInfo.environment) {
        self.values = values
    }

    /// A string setting; empty counts as unset.
    public mutating func string(_ key: String, default defaultValue: String) -> String {
        guard let value = values[key], !value.isEmpty else { return defaultValue }
        return value
    }

    /// A required string setting.
    public mutating func required(_ key: String, hint: String) -> String {
        guard let value = values[key], !value.isEmpty else {
            problems.append("\(key) is required (\(hint))")
            return ""
        }
        return value
    }

    public mutating func optional(_ key: String) -> String? {
        guard let value = values[key], !value.isEmpty else { return nil }
        return value
    }

    /// An integer setting within `range`.
    public mutating func int(_ key: String, default defaultValue: Int, range: ClosedRange<Int>) -> Int {
        guard let text = values[key], !text.isEmpty else { return defaultValue }
        guard let value = Int(text), range.contains(value) else {
            problems.append(
                "\(key) must be an integer in \(range.lowerBound)...\(range.upperBound), got \(Self.quoted(text))")
            return defaultValue
        }
        return value
    }

    /// One of a fixed set of values.
    public mutating func choice<T: RawRepresentable & CaseIterable>(_ key: String, default defaultValue: T) -> T
    where T.RawValue == String {
        guard let text = values[key], !text.isEmpty else { return defaultValue }
        guard let value = T(rawValue: text.lowercased()) else {
            let allowed = T.allCases.map(\.rawValue).joined(separator: ", ")
            problems.append("\(key) must be one of \(allowed), got \(Self.quoted(text))")
            return defaultValue
        }
        return value
    }

    /// A value as it may appear in a one-line message: control characters escaped.
    public static func quoted(_ text: String) -> String {
        var result = "'"
        for scalar in text.unicodeScalars {
            if scalar.properties.generalCategory == .control {
                result += scalar.escaped(asASCII: true)
            } else {
                result.unicodeScalars.append(scalar)
            }
        }
        return result + "'"
    }

    /// Records a problem found by cross-field validation.
    public mutating func problem(_ text: String) { problems.append(text) }

    /// Throws if any setting was invalid.
    public func validate() throws {
        if !problems.isEmpty { throw ConfigurationError(problems: problems) }
    }
}
