import CLMContracts
import Testing

@Suite("ObjectIdentifierText: dotted-decimal OIDs")
struct DomainObjectIdentifierTextTests {
    @Test(
        "valid identifiers",
        arguments: ["2.23.140.1.2.1", "2.23.140.1.1", "1.3.6.1.4.1.99999.1", "0.0", "1.39", "2.999.3", "2.5.29.32.0"])
    func valid(oid: String) {
        #expect(ObjectIdentifierText.problem(oid) == nil)
    }

    @Test(
        "invalid identifiers",
        arguments: [
            ("", "at least two arcs"), ("2", "at least two arcs"), ("anyPolicy", "at least two arcs"),
            ("2.23.140.1.2.01", "leading zero"), ("02.23", "leading zero"), ("2..23", "not dotted decimal"),
            ("2.23.", "not dotted decimal"), (".2.23", "not dotted decimal"), ("2.23.x", "not dotted decimal"),
            ("2.-1", "not dotted decimal"), ("2. 23", "not dotted decimal"), ("3.1", "start with arc 0, 1 or 2"),
            ("1.40", "second arc is 0...39"), ("0.99", "second arc is 0...39"),
            ("2.99999999999999999999999", "too large"), ("2.٣", "not dotted decimal"),
        ])
    func invalid(oid: String, reason: String) {
        let problem = ObjectIdentifierText.problem(oid)
        #expect(problem?.contains(reason) == true, "\(oid): \(problem ?? "nil")")
    }

    @Test("a very long identifier is refused before it is parsed")
    func tooLong() {
        let oid = "2." + Array(repeating: "1", count: 150).joined(separator: ".")
        #expect(ObjectIdentifierText.problem(oid)?.contains("longer than 200") == true)
    }
}
