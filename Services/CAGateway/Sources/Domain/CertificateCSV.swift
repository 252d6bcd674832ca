import CLMContracts
import Foundation

/// The inventory as CSV (RFC 4180: CRLF line ends, fields quoted when they hold `,`, `"` or a
/// line break). A field that a spreadsheet would run as a formula (`=`, `+`, `-`, `@`, tab or
/// CR first) gets a leading `'`: subjects and comments come from users.
enum CertificateCSV {
    static let header = [
        "ca", "serialNumber", "state", "subject", "alternativeNames", "notBefore", "notAfter", "issuedAt", "request",
        "requester", "policy", "policyVersion", "entities", "revokedAt", "revocationReason", "revokedBy",
    ]

    static func encode(_ certificates: [CertificateView]) -> String {
        var lines = [header.joined(separator: ",")]
        for certificate in certificates {
            let revocation = certificate.revocation
            let fields: [String] = [
                certificate.ca, certificate.serialNumber, certificate.state.rawValue, certificate.subject,
                certificate.alternativeNames.joined(separator: " "), timestamp(certificate.notBefore),
                timestamp(certificate.notAfter), timestamp(certificate.issuedAt),
                certificate.request.lowercasedString, certificate.requester ?? "", certificate.policy ?? "",
                certificate.policyVersion.map(String.init) ?? "", certificate.entities.joined(separator: " "),
                revocation.map { timestamp($0.revokedAt) } ?? "", revocation?.reason.rawValue ?? "",
                revocation?.revokedBy ?? "",
            ]
            lines.append(fields.map(field).joined(separator: ","))
        }
        return lines.joined(separator: "\r\n") + "\r\n"
    }

    static func field(_ value: String) -> String {
        var text = value
        if let first = text.unicodeScalars.first, "=+-@\t\r".unicodeScalars.contains(first) { text = "'" + text }
        guard text.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return text }
        return "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    private static func timestamp(_ date: Date) -> String { ContractCoding.formatTimestamp(date) }
}
