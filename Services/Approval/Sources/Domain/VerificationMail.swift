import CLMContracts
import Foundation

/// The mail that carries a verification link: what was requested, by whom, and until when
/// the link works.
enum VerificationMail {
    static func message(to email: String, submitted: RequestSubmitted, link: String, expiresAt: Date) -> MailMessage {
        let commonName = submitted.subject.first { $0.type == "CN" }?.value
        let subjectText = submitted.subject.map { "\($0.type)=\($0.value)" }.joined(separator: ", ")
        let names = submitted.alternativeNames.map { "\($0.kind.rawValue):\($0.value)" }.joined(separator: ", ")
        let body = """
            A certificate was requested in realm \(submitted.realm) that names this address.

              Subject:      \(subjectText.isEmpty ? "(empty)" : subjectText)
              Names:        \(names.isEmpty ? "(none)" : names)
              Policy:       \(submitted.policy) v\(submitted.policyVersion)
              Requested by: \(submitted.requester)

            To confirm the request, open this link and press "Confirm" (it works once, until \
            \(ContractCoding.formatTimestamp(expiresAt))):

              \(link)

            If you did not expect this request, ignore this message: nothing is issued without \
            your confirmation, and the request expires by itself.
            """
        return MailMessage(
            to: [email], subject: "Confirm the certificate request for \(commonName ?? email) (\(submitted.realm))",
            textBody: body, messageID: "<\(submitted.request.lowercasedString).\(UUID().lowercasedString)@clm>")
    }
}
