extension TextRule {
    /// The first query parameter whose name or value (percent-decoded) breaks the rule, named
    /// `query.<name>`; a name that breaks it is reported at `query`. Percent-encoding that is
    /// not (`%zz`, a `%` at the end) or decodes to invalid UTF-8 breaks it too.
    public func violation(inQuery query: Substring) -> Violation? {
        let here = JSONPath([.member("query")])
        for pair in query.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let name: String
            switch Self.decoded(parts[0]) {
            case .success(let text): name = text
            case .failure(let violation): return Violation(path: here, reason: "a parameter name \(violation.reason)")
            }
            if let found = violation(of: name, at: here) {
                return Violation(path: here, reason: "a parameter name \(found.reason)")
            }
            let path = JSONPath([.member("query"), .member(name)])
            guard parts.count == 2 else { continue }
            switch Self.decoded(parts[1]) {
            case .success(let value):
                if let found = violation(of: value, at: path) { return found }
            case .failure(let violation):
                return Violation(path: path, reason: violation.reason)
            }
        }
        return nil
    }

    /// `text` with its `%XX` escapes decoded, as UTF-8.
    static func decoded(_ text: Substring) -> Result<String, Violation> {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(text.utf8.count)
        var iterator = text.utf8.makeIterator()
        while let byte = iterator.next() {
            guard byte == UInt8(ascii: "%") else {
                bytes.append(byte)
                continue
            }
            guard let high = iterator.next().flatMap(hexValue), let low = iterator.next().flatMap(hexValue) else {
                return .failure(Violation(path: JSONPath(), reason: "is not valid percent-encoding"))
            }
            bytes.append(high << 4 | low)
        }
        guard let decoded = String(validating: bytes, as: UTF8.self) else {
            return .failure(Violation(path: JSONPath(), reason: "is not valid UTF-8 once percent-decoded"))
        }
        return .success(decoded)
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
