import Foundation
import Testing

@testable import Intake

@Suite("SubmissionRules.csrBytes")
struct DomainCSRBytesTests {
    static let der: [UInt8] = [0x30, 0x82, 0x01, 0x0A, 0x02, 0x01, 0x00, 0xFF, 0x00, 0x7F, 0x80]

    @Test("PEM text is passed through byte for byte")
    func pemPassthrough() {
        let pem = "-----BEGIN CERTIFICATE REQUEST-----\nMIIBCgIBAP8AfoA=\n-----END CERTIFICATE REQUEST-----\n"
        #expect(SubmissionRules.csrBytes(pem) == Array(pem.utf8))
    }

    @Test("PEM with leading text is still passed through")
    func pemWithPreamble() {
        let pem =
            "Subject: x\r\n-----BEGIN NEW CERTIFICATE REQUEST-----\r\nAAAA\r\n-----END NEW CERTIFICATE REQUEST-----"
        #expect(SubmissionRules.csrBytes(pem) == Array(pem.utf8))
    }

    @Test(
        "base64 DER is decoded",
        arguments: [
            Data(der).base64EncodedString(),
            Data(der).base64EncodedString(options: [.lineLength64Characters, .endLineWithLineFeed]),
            " " + Data(der).base64EncodedString() + "\n",
            String(
                Data(der).base64EncodedString().enumerated().map {
                    $0.offset % 4 == 3 ? "\($0.element)\r\n" : "\($0.element)"
                }.joined()),
        ])
    func base64DER(_ text: String) {
        #expect(SubmissionRules.csrBytes(text) == Self.der)
    }

    @Test("a long base64 DER wrapped at 64 columns is decoded")
    func wrapped() {
        let der = (0..<300).map { UInt8($0 & 0xFF) }
        let text = Data(der).base64EncodedString(options: [
            .lineLength64Characters, .endLineWithCarriageReturn, .endLineWithLineFeed,
        ])
        #expect(text.contains("\r\n"))
        #expect(SubmissionRules.csrBytes(text) == der)
    }

    @Test(
        "text that is neither PEM nor base64 is passed on as is, for the parser to refuse",
        arguments: [
            "not a csr!", "MIIB*", "@@@@", "MII",
        ])
    func neither(_ text: String) {
        #expect(SubmissionRules.csrBytes(text) == Array(text.utf8))
    }
}
