import CLMContracts
import Testing

@Suite("EndEntity.Attributes validation")
struct DomainEndEntityValidationTests {
    typealias Attributes = EndEntity.Attributes

    @Test("a complete, well-formed entity has no problems")
    func goodEntity() {
        #expect(DomainFixtures.webServer.validationProblems().isEmpty)
    }

    @Test("an entity needs a CN, e-mail, DNS name, IP or URI")
    func emptyEntity() {
        let expected = "attributes: an end entity needs a commonName, an e-mail, or a DNS name, IP or URI"
        #expect(Attributes().validationProblems() == [expected])
        #expect(Attributes(organization: "ACME", country: "DE").validationProblems() == [expected])
        #expect(Attributes(dnsNames: [], ipAddresses: [], uris: []).validationProblems() == [expected])
    }

    @Test(
        "any one identifying attribute is enough",
        arguments: [
            Attributes(commonName: "x"), Attributes(email: "a@b"), Attributes(dnsNames: ["a.example"]),
            Attributes(ipAddresses: ["192.0.2.1"]), Attributes(uris: ["urn:x"]),
        ])
    func oneIdentifyingAttribute(_ attributes: Attributes) {
        #expect(attributes.validationProblems().isEmpty)
    }

    // MARK: DNS names

    @Test(
        "valid DNS names",
        arguments: [
            "example.com", "WWW.Example.COM", "a", "xn--bcher-kva.example", "a-b.c-d.example", "*.example.com",
            "1.example", String(repeating: "a", count: 63) + ".example",
        ])
    func validDNS(_ name: String) {
        #expect(Attributes(dnsNames: [name]).validationProblems().isEmpty)
    }

    @Test(
        "invalid DNS names",
        arguments: [
            "", ".", "example.com.", ".example.com", "a..b", "-a.example", "a-.example", "a_b.example", "a b.example",
            "bücher.example", "a/b", String(repeating: "a", count: 64) + ".example",
            Array(repeating: String(repeating: "a", count: 63), count: 4).joined(separator: "."),  // 255 chars
        ])
    func invalidDNS(_ name: String) {
        #expect(
            Attributes(commonName: "x", dnsNames: ["ok.example", name]).validationProblems() == [
                "attributes.dnsNames[1]: '\(name)' is not a DNS name"
            ])
    }

    /// A wildcard is only meaningful as the whole left-most label (RFC 6125 §6.4.3; CA/B BR
    /// 7.1.2.7.8). The check allows `*` anywhere in any label.
    @Test(
        "wildcards outside the left-most label are refused",
        arguments: [
            "www.*.example.com", "example.*", "w*w.example.com", "**.example.com",
        ])
    func misplacedWildcard(_ name: String) {
        #expect(!Attributes(dnsNames: [name]).validationProblems().isEmpty)
    }

    // MARK: IP addresses

    @Test(
        "valid IP addresses",
        arguments: [
            "192.0.2.1", "0.0.0.0", "255.255.255.255", "10.0.0.10", "::1", "::", "2001:db8::10",
            "2001:0db8:0000:0000:0000:ff00:0042:8329", "FE80::1",
        ])
    func validIP(_ ip: String) {
        #expect(Attributes(ipAddresses: [ip]).validationProblems().isEmpty)
    }

    @Test(
        "invalid IP addresses",
        arguments: [
            "", "192.0.2", "192.0.2.1.5", "256.0.0.1", "01.2.3.4", "1.2.3.04", "a.b.c.d", "1.2.3.4/24", "localhost",
            "2001:db8::g", "1.2.3.4:80", String(repeating: "1:", count: 30),
        ])
    func invalidIP(_ ip: String) {
        #expect(
            Attributes(commonName: "x", ipAddresses: ["192.0.2.1", ip]).validationProblems() == [
                "attributes.ipAddresses[1]: '\(ip)' is not an IPv4 or IPv6 address"
            ])
    }

    /// `Int(_:)` accepts a sign, so IPv4 octets like `+1` or `-0` pass (`looksLikeIP`).
    @Test("signed IPv4 octets are refused", arguments: ["+1.2.3.4", "1.2.3.-0", "+9.+9.+9.+9"])
    func signedOctets(_ ip: String) {
        #expect(!Attributes(ipAddresses: [ip]).validationProblems().isEmpty)
    }

    /// Anything made of hex digits and colons counts as IPv6, whatever its shape.
    @Test("malformed IPv6 is refused", arguments: [":", "1:2", ":::::", "12345::1", "1:2:3:4:5:6:7:8:9"])
    func malformedIPv6(_ ip: String) {
        #expect(!Attributes(ipAddresses: [ip]).validationProblems().isEmpty)
    }

    /// An IPv6 address with an embedded IPv4 part has three dots, so it splits into four
    /// "octets" and is judged (and refused) as IPv4.
    @Test("IPv4-mapped IPv6 addresses are accepted", arguments: ["::ffff:192.0.2.1", "64:ff9b::192.0.2.33"])
    func mappedIPv6(_ ip: String) {
        #expect(Attributes(ipAddresses: [ip]).validationProblems().isEmpty)
    }

    // MARK: country, e-mail, lengths, control characters

    @Test("valid countries", arguments: ["DE", "US", "FR"])
    func validCountry(_ country: String) {
        #expect(Attributes(commonName: "x", country: country).validationProblems().isEmpty)
    }

    @Test("invalid countries", arguments: ["de", "D", "DEU", "", "D1", "ÄB", "De", "  "])
    func invalidCountry(_ country: String) {
        #expect(
            Attributes(commonName: "x", country: country).validationProblems() == [
                "attributes.country: must be a two-letter upper-case ISO 3166 code"
            ])
    }

    @Test("an e-mail needs an @")
    func email() {
        #expect(Attributes(email: "alice@acme.example").validationProblems().isEmpty)
        #expect(
            Attributes(email: "alice.acme.example").validationProblems() == [
                "attributes.email: must be an e-mail address"
            ])
    }

    @Test(
        "length limits per attribute",
        arguments: [
            ("commonName", 64), ("email", 254), ("organization", 64), ("organizationalUnit", 64), ("locality", 128),
            ("state", 128),
        ])
    func lengths(_ name: String, _ max: Int) {
        func attributes(_ value: String) -> Attributes {
            // Keep e-mails shaped like e-mails so only the length rule can fire.
            let text = name == "email" ? String(value.dropLast(2)) + "@x" : value
            var attributes = Attributes(uris: ["urn:x"])
            switch name {
            case "commonName": attributes.commonName = text
            case "email": attributes.email = text
            case "organization": attributes.organization = text
            case "organizationalUnit": attributes.organizationalUnit = text
            case "locality": attributes.locality = text
            default: attributes.state = text
            }
            return attributes
        }
        #expect(attributes(String(repeating: "a", count: max)).validationProblems().isEmpty)
        #expect(
            attributes(String(repeating: "a", count: max + 1)).validationProblems() == [
                "attributes.\(name): must be 1...\(max) characters"
            ])
    }

    @Test("empty strings are refused rather than treated as absent")
    func emptyStrings() {
        #expect(
            Attributes(commonName: "", organization: "").validationProblems() == [
                "attributes.commonName: must be 1...64 characters",
                "attributes.organization: must be 1...64 characters",
            ])
    }

    @Test(
        "control characters are refused in text attributes",
        arguments: ["a\nb", "a\u{0}b", "a\tb", "\u{7F}", "a\u{85}"])
    func controlCharacters(_ value: String) {
        #expect(
            Attributes(commonName: value).validationProblems() == [
                "attributes.commonName: must not contain control characters"
            ])
        #expect(
            Attributes(email: "a@b" + value, uris: ["urn:x"]).validationProblems() == [
                "attributes.email: must not contain control characters"
            ])
    }

    @Test("URIs must be absolute")
    func uris() {
        #expect(
            Attributes(uris: ["https://acme.example/", "urn:uuid:1", "spiffe://acme/web"]).validationProblems().isEmpty)
        #expect(
            Attributes(uris: ["https://ok", "relative/path"]).validationProblems() == [
                "attributes.uris[1]: 'relative/path' is not an absolute URI"
            ])
        #expect(
            Attributes(uris: ["urn:" + String(repeating: "a", count: 2045)]).validationProblems() == [
                "attributes.uris[0]: 'urn:\(String(repeating: "a", count: 2045))' is not an absolute URI"
            ])
    }

    /// URIs are checked only for a `:` and their length, so a URI carrying a line break or
    /// a space (which would end up verbatim in the certificate's SAN) passes.
    @Test(
        "control characters and spaces are refused in URIs",
        arguments: ["https://a.example/\nx", "urn:a b", "urn:\u{0}"])
    func controlCharactersInURI(_ uri: String) {
        #expect(!Attributes(uris: [uri]).validationProblems().isEmpty)
    }

    @Test("problems are collected across attributes")
    func severalProblems() {
        let attributes = Attributes(
            commonName: "a\u{1B}", email: "nope", country: "de", dnsNames: ["ok", "bad_name"],
            ipAddresses: ["999.1.1.1"],
            uris: ["nope"])
        let paths = attributes.validationProblems().map { String($0.prefix { $0 != ":" }) }
        #expect(
            paths == [
                "attributes.commonName", "attributes.country", "attributes.email", "attributes.dnsNames[1]",
                "attributes.ipAddresses[0]", "attributes.uris[0]",
            ])
    }
}
