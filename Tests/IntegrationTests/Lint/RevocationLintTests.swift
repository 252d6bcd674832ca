import CLMCrypto
import Foundation
import Testing

@testable import CAGateway

/// CRLs and OCSP responses exactly as the CA gateway's `CertificateAuthority` signs them, judged
/// by pkilint: `lint_crl -t CRL` under the PKIX and the BR profile, and `lint_ocsp_response`.
@Suite("Revocation lint (pkilint)", .serialized, .timeLimit(.minutes(3)))
struct RevocationLintTests {
    static let authority = CertificateLintTests.ecCA

    @Test("an empty CRL and one with entries pass lint_crl under PKIX and BR", arguments: ["PKIX", "BR"])
    func revocationLists(profile: String) throws {
        let now = Date()
        let entries = [
            RevokedCertificate(serialNumber: .random(), revocationDate: now - 3_600, reason: .keyCompromise),
            RevokedCertificate(serialNumber: .random(), revocationDate: now - 7_200, reason: .superseded),
        ]
        for (label, list) in [("empty", [RevokedCertificate]()), ("two entries", entries)] {
            let crl = try Self.authority.signRevocationList(
                number: 7, thisUpdate: now - 60, nextUpdate: now + 86_400, entries: list)
            try PKILint.check(crl.der, .crl(profile: profile), label: "CRL, \(label)")
        }
    }

    @Test("good, revoked and unknown OCSP responses pass lint_ocsp_response")
    func ocspResponses() throws {
        let leaf = try Self.authority.issue(CertificateLintTests.order(key: .ec(curve: .p256)))
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("clm-ocsp-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let issuerFile = directory.appendingPathComponent("issuing.pem")
        let leafFile = directory.appendingPathComponent("leaf.pem")
        let requestFile = directory.appendingPathComponent("req.der")
        try Self.authority.issuing.pem.write(to: issuerFile, atomically: true, encoding: .utf8)
        try leaf.pem.write(to: leafFile, atomically: true, encoding: .utf8)
        let made = try run(
            OpenSSL.path, ["ocsp", "-issuer", issuerFile.path, "-cert", leafFile.path, "-reqout", requestFile.path])
        #expect(made.status == 0, "\(made.stderr)")
        let request = try OCSPRequest(der: Array(try Data(contentsOf: requestFile)))
        let now = Date()
        let statuses: [(String, OCSPCertificateStatus)] = [
            ("good", .good), ("revoked", .revoked(time: now - 3_600, reason: .keyCompromise)), ("unknown", .unknown),
        ]
        for (label, status) in statuses {
            let response = try Self.authority.ocspResponse(
                to: request, thisUpdate: now - 60, nextUpdate: now + 3_600, status: { _ in status })
            try PKILint.check(response, .ocspResponse, label: "OCSP \(label) (with nonce)")
        }
    }
}
