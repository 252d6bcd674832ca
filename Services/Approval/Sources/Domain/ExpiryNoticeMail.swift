import CLMContracts
import Foundation

/// The mail that warns of a certificate's expiry: which certificate, when, and how to renew.
enum ExpiryNoticeMail {
    /// At most this many addresses are mailed per notice.
    static let maxRecipients = 20

    /// Who is told: the requester when their subject is a mail address (a person signed in with
    /// one; a service account is not), and the end entities' addresses the CA gateway sent;
    /// each once, whatever its case, and only addresses the mailer can write to.
    static func recipients(of notice: CertificateExpiring) -> [String] {
        var seen: Set<String> = []
        let candidates = [notice.requester] + notice.emails
        return candidates.filter { address in
            (try? MailAddress(address)) != nil && seen.insert(address.lowercased()).inserted
        }.prefix(maxRecipients).map { $0 }
    }

    static func message(to email: String, notice: CertificateExpiring) -> MailMessage {
        let names = notice.alternativeNames.joined(separator: ", ")
        let left = DurationText.describe(notice.thresholdSeconds)
        let expires = ContractCoding.formatTimestamp(notice.notAfter)
        let body = """
            A certificate in realm \(notice.realm) expires within \(left), at \(expires).

              Subject:       \(notice.subject.isEmpty ? "(empty)" : notice.subject)
              Names:         \(names.isEmpty ? "(none)" : names)
              Serial number: \(notice.serialNumber)
              CA:            \(notice.ca)
              Requested by:  \(notice.requester)
              Request:       \(notice.request.lowercasedString)

            The requester can renew it before then:

              clm cert renew --realm \(notice.realm) \(notice.serialNumber)
              (or POST /v1/realms/\(notice.realm)/certificates/\(notice.serialNumber)/renew)

            You receive this because the certificate names this address or it requested the certificate.
            """
        return MailMessage(
            to: [email], subject: "Certificate \(notice.subject) expires within \(left) (\(notice.realm))",
            textBody: body,
            messageID: "<expiry.\(notice.request.lowercasedString).\(notice.thresholdSeconds)@clm>")
    }
}
