/// One (possibly multi-line) server reply: `250-first`, `250-second`, `250 last`.
struct SMTPReply: Sendable, Hashable {
    var code: Int
    /// The text of each line, after the code and the separator.
    var lines: [String]

    var isPositiveCompletion: Bool { (200..<300).contains(code) }
    var isPositiveIntermediate: Bool { (300..<400).contains(code) }
    var isTransientFailure: Bool { (400..<500).contains(code) }
    var isPermanentFailure: Bool { (500..<600).contains(code) }

    /// The lines joined, shortened and stripped of control characters: safe to log and to put
    /// into an error.
    var summary: String {
        let joined = lines.joined(separator: " / ")
        let cleaned = String(
            String.UnicodeScalarView(
                joined.unicodeScalars.map {
                    $0.value < 0x20 || $0.value == 0x7F ? " " : $0
                }))
        return cleaned.count > 300 ? String(cleaned.prefix(300)) + "…" : cleaned
    }

    /// The EHLO keywords (upper-cased) with their parameters, from every line but the first.
    var extensions: [String: [String]] {
        var result: [String: [String]] = [:]
        for line in lines.dropFirst() {
            // Some old servers write `AUTH=PLAIN LOGIN`.
            let words = line.split(whereSeparator: { $0 == " " || $0 == "=" }).map(String.init)
            guard let keyword = words.first else { continue }
            result[keyword.uppercased(), default: []] += words.dropFirst().map { $0.uppercased() }
        }
        return result
    }
}
