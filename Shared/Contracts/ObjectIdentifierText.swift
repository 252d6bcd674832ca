/// Object identifiers as policy authors write them: dotted decimal, `2.23.140.1.2.1`.
///
/// Checked here rather than left to OpenSSL, which also takes names (`anyPolicy`) and leading
/// zeros: a policy must say exactly the arcs that end up in the certificate, in one spelling.
public enum ObjectIdentifierText {
    /// Longest identifier accepted; real ones are a few dozen characters.
    static let maxLength = 200

    /// Why `text` is not a dotted-decimal OID that DER can encode, or nil when it is one: at least
    /// two arcs, no empty arc or leading zero, the first arc 0, 1 or 2, and under 0 and 1 a second
    /// arc of at most 39 (X.690 §8.19.4 packs the first two arcs into one number).
    public static func problem(_ text: String) -> String? {
        guard text.utf8.count <= maxLength else { return "longer than \(maxLength) characters" }
        let arcs = text.split(separator: ".", omittingEmptySubsequences: false)
        guard arcs.count >= 2 else { return "'\(text)' needs at least two arcs, as in 2.23.140.1.2.1" }
        var values: [UInt64] = []
        for arc in arcs {
            guard !arc.isEmpty, arc.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }) else {
                return "'\(text)' is not dotted decimal (digits separated by single dots)"
            }
            guard arc.count == 1 || arc.first != "0" else { return "'\(text)' has an arc with a leading zero" }
            guard let value = UInt64(arc) else { return "'\(text)' has an arc too large to encode" }
            values.append(value)
        }
        guard values[0] <= 2 else { return "'\(text)' must start with arc 0, 1 or 2" }
        guard values[0] == 2 || values[1] <= 39 else {
            return "'\(text)': under arc \(values[0]) the second arc is 0...39"
        }
        return nil
    }
}
