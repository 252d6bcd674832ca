import Foundation

/// Checks an issued end-entity certificate against the parts of RFC 5280 (and CA/Browser
/// Forum practice) a CA must get right, reading it with the `openssl` command line as a
/// relying party would. Returns one line per problem; empty means conforming.
enum RFC5280 {
    static func problems(leaf: String, issuer: String) throws -> [String] {
        var problems: [String] = []
        let text = try OpenSSL.text(of: leaf)
        let issuerText = try OpenSSL.text(of: issuer)

        if !text.contains("Version: 3 (0x2)") { problems.append("not an X.509 v3 certificate") }

        // Serial: positive, at least 64 bits of entropy (CA/B BR 7.1), at most 20 octets (§4.1.2.2).
        let serial = try run(OpenSSL.path, ["x509", "-noout", "-serial"], input: leaf).stdout
            .trimmingCharacters(in: .whitespacesAndNewlines).replacingOccurrences(of: "serial=", with: "")
        if serial.hasPrefix("-") { problems.append("negative serial number \(serial)") }
        if serial.count < 16 { problems.append("serial number \(serial) shorter than 64 bits") }
        if serial.count > 40 { problems.append("serial number \(serial) longer than 20 octets") }
        if let first = UInt8(serial.prefix(2), radix: 16), first >= 0x80, serial.count >= 40 {
            problems.append("serial number \(serial) needs a 21st octet to stay positive")
        }

        // Key identifiers (§4.2.1.1, §4.2.1.2): the leaf has both; its AKI is the issuer's SKI.
        let ski = value(after: "X509v3 Subject Key Identifier:", in: text)
        let aki = value(after: "X509v3 Authority Key Identifier:", in: text).map {
            $0.replacingOccurrences(of: "keyid:", with: "")
        }
        let issuerSKI = value(after: "X509v3 Subject Key Identifier:", in: issuerText)
        if ski == nil { problems.append("no subject key identifier") }
        if aki == nil { problems.append("no authority key identifier") }
        if aki != nil, aki != issuerSKI {
            problems.append("authority key identifier \(aki ?? "") is not the issuer's \(issuerSKI ?? "none")")
        }
        if text.contains("X509v3 Subject Key Identifier: critical") { problems.append("SKI marked critical") }
        if text.contains("X509v3 Authority Key Identifier: critical") { problems.append("AKI marked critical") }

        // Basic constraints CA:FALSE, critical per our profile; key usage critical (§4.2.1.3).
        if !text.contains("X509v3 Basic Constraints: critical") {
            problems.append("basic constraints missing or not critical")
        }
        if value(after: "X509v3 Basic Constraints", in: text)?.contains("CA:FALSE") != true {
            problems.append("basic constraints do not say CA:FALSE")
        }
        if !text.contains("X509v3 Key Usage: critical") { problems.append("key usage missing or not critical") }
        if text.contains("Certificate Sign") || text.contains("CRL Sign") {
            problems.append("end-entity certificate may sign certificates or CRLs")
        }
        if text.contains("X509v3 Extended Key Usage: critical") {
            problems.append("extended key usage marked critical")
        }

        // Subject / SAN (§4.1.2.6, §4.2.1.6): an empty subject needs a critical SAN.
        let subject = try run(OpenSSL.path, ["x509", "-noout", "-subject", "-nameopt", "RFC2253"], input: leaf).stdout
            .trimmingCharacters(in: .whitespacesAndNewlines).replacingOccurrences(of: "subject=", with: "")
        let hasSAN = text.contains("X509v3 Subject Alternative Name")
        if subject.isEmpty {
            if !text.contains("X509v3 Subject Alternative Name: critical") {
                problems.append("empty subject without a critical subject alternative name")
            }
        } else if text.contains("X509v3 Subject Alternative Name: critical") {
            problems.append("SAN marked critical although the subject is not empty")
        }
        if subject.isEmpty && !hasSAN { problems.append("neither subject nor SAN") }

        // Validity inside the issuer's (§4.1.2.5 and path validation).
        let dates = try run(OpenSSL.path, ["x509", "-noout", "-startdate", "-enddate"], input: leaf).stdout
        let issuerDates = try run(OpenSSL.path, ["x509", "-noout", "-startdate", "-enddate"], input: issuer).stdout
        if let notAfter = date(dates, "notAfter="), let issuerNotAfter = date(issuerDates, "notAfter="),
            notAfter > issuerNotAfter
        {
            problems.append("valid after its issuer expires")
        }
        if let notBefore = date(dates, "notBefore="), let notAfter = date(dates, "notAfter="), notBefore >= notAfter {
            problems.append("notBefore is not before notAfter")
        }
        return problems
    }

    /// The first non-empty line after the line containing `header`, trimmed.
    static func value(after header: String, in text: String) -> String? {
        let lines = text.components(separatedBy: "\n")
        guard let index = lines.firstIndex(where: { $0.contains(header) }), index + 1 < lines.count else { return nil }
        let line = lines[index + 1].trimmingCharacters(in: .whitespaces)
        return line.isEmpty ? nil : line
    }

    static func date(_ output: String, _ prefix: String) -> Date? {
        guard let line = output.components(separatedBy: "\n").first(where: { $0.hasPrefix(prefix) }) else { return nil }
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "MMM d HH:mm:ss yyyy 'GMT'"
        let text = String(line.dropFirst(prefix.count)).replacingOccurrences(of: "  ", with: " ")
        return formatter.date(from: text)
    }
}
