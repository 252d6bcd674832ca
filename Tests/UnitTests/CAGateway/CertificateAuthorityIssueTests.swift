import CLMContracts
import CLMCrypto
import Foundation
import Testing

@testable import CAGateway

@Suite("CertificateAuthority.issue: what the order puts into the certificate")
struct CertificateAuthorityIssueTests {
    typealias F = CAGatewayFixtures

    @Test("the order's certificate policies become the certificatePolicies extension")
    func policies() throws {
        var order = F.submitted(keySource: .csr)
        order.certificatePolicies = ["2.23.140.1.2.1", "1.3.6.1.4.1.99999.7"]
        let certificate = try F.authority.issue(order)
        let scratch = try CryptoScratch()
        try scratch.write("c.pem", certificate.pem)
        let text = try scratch.opensslOK(["x509", "-in", "c.pem", "-noout", "-text"])
        #expect(text.contains("Policy: 2.23.140.1.2.1") && text.contains("Policy: 1.3.6.1.4.1.99999.7"))

        order.certificatePolicies = nil
        try scratch.write("plain.pem", try F.authority.issue(order).pem)
        #expect(
            !(try scratch.opensslOK(["x509", "-in", "plain.pem", "-noout", "-text"])).contains("Certificate Policies"))
    }

    @Test("validityDays is the validity period exactly, its last second included (BR §6.3.2, RFC 5280 §4.1.2.5)")
    func validityPeriod() throws {
        var order = F.submitted(keySource: .csr)
        order.validityDays = 200
        let now = Date(timeIntervalSince1970: 1_796_000_000)
        let certificate = try F.authority.issue(order, now: now)
        #expect(certificate.notBefore == now.addingTimeInterval(-60))
        #expect(certificate.notAfter.timeIntervalSince(certificate.notBefore) + 1 == 200 * 86_400)
    }
}
