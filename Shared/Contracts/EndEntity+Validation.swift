/// Shape checks on end-entity attributes; the policy's constraints are judged at request time.
extension EndEntity.Attributes {
    public func validationProblems() -> [String] {
        var problems: [String] = []
        func check(_ name: String, _ value: String?, max: Int) {
            guard let value else { return }
            if value.isEmpty || value.count > max {
                problems.append("attributes.\(name): must be 1...\(max) characters")
            }
            if value.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) {
                problems.append("attributes.\(name): must not contain control characters")
            }
        }
        check("commonName", commonName, max: 64)
        check("email", email, max: 254)
        check("organization", organization, max: 64)
        check("organizationalUnit", organizationalUnit, max: 64)
        check("locality", locality, max: 128)
        check("state", state, max: 128)
        if let country, country.count != 2 || !country.allSatisfy({ $0.isASCII && $0.isUppercase }) {
            problems.append("attributes.country: must be a two-letter upper-case ISO 3166 code")
        }
        if let email, !email.contains("@") { problems.append("attributes.email: must be an e-mail address") }
        for (index, name) in (dnsNames ?? []).enumerated() {
            var labels = name.split(separator: ".", omittingEmptySubsequences: false)
            // A wildcard may only be the whole left-most label of a name with at least two more.
            if labels.first == "*" && labels.count >= 3 { labels.removeFirst() }
            let valid =
                name.count <= 253 && !labels.isEmpty
                && labels.allSatisfy { label in
                    (1...63).contains(label.count) && label.first != "-" && label.last != "-"
                        && label.allSatisfy { ($0.isASCII && ($0.isLetter || $0.isNumber)) || $0 == "-" }
                }
            if !valid { problems.append("attributes.dnsNames[\(index)]: '\(name)' is not a DNS name") }
        }
        for (index, ip) in (ipAddresses ?? []).enumerated() where !Self.looksLikeIP(ip) {
            problems.append("attributes.ipAddresses[\(index)]: '\(ip)' is not an IPv4 or IPv6 address")
        }
        for (index, uri) in (uris ?? []).enumerated()
        where !uri.contains(":") || uri.count > 2048
            || uri.unicodeScalars.contains(where: { $0.value <= 0x20 || $0.value == 0x7F || !$0.isASCII })
        {
            problems.append("attributes.uris[\(index)]: '\(uri)' is not an absolute URI")
        }
        if commonName == nil && email == nil && (dnsNames ?? []).isEmpty && (ipAddresses ?? []).isEmpty
            && (uris ?? []).isEmpty
        {
            problems.append("attributes: an end entity needs a commonName, an e-mail, or a DNS name, IP or URI")
        }
        return problems
    }

    /// IPv4 in dotted decimal or IPv6 in any RFC 4291 text form, as the C library parses them.
    static func looksLikeIP(_ text: String) -> Bool {
        guard text.count <= 45, !text.isEmpty else { return false }
        return IPAddressText.bytes(text) != nil
    }
}
