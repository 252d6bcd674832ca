import CLMCrypto
import Foundation
import Testing

/// CRLs and OCSP responses as CLMCrypto's builders sign them, judged by pkilint: `lint_crl -t CRL`
/// under the PKIX and the BR profile, and `lint_ocsp_response`. The CA gateway's revocation
/// services sign through these same builders.
@Suite("Revocation lint (pkilint)", .serialized, .timeLimit(.minutes(3)))
struct RevocationLintTests {
    /// A root and an issuing CA (EC), and one leaf, made with the builders alone.
    struct Hierarchy {
        var issuingKey: PrivateKey
        var issuing: Certificate
        var leaf: Certificate
    }

    static func hierarchy() throws -> Hierarchy {
        let now = Date()
        let rootKey = try PrivateKey.generate(.ec(curve: .p384))
        let root = try CertificateBuilder(
            subject: DistinguishedName([(.organization, "CLM Lint"), (.commonName, "CLM Lint Root CA")]),
            publicKey: rootKey.publicKey, notBefore: now - 60, notAfter: now + 3650 * 86_400, profile: .rootCA
        ).issue(issuer: nil, issuerKey: rootKey)
        let issuingKey = try PrivateKey.generate(.ec(curve: .p256))
        let issuing = try CertificateBuilder(
            subject: DistinguishedName([(.organization, "CLM Lint"), (.commonName, "CLM Lint Issuing CA")]),
            publicKey: issuingKey.publicKey, notBefore: now - 60, notAfter: now + 1825 * 86_400,
            profile: .issuingCA(pathLength: 0)
        ).issue(issuer: root, issuerKey: rootKey)
        let leafKey = try PrivateKey.generate(.ec(curve: .p256))
        let leaf = try CertificateBuilder(
            subject: DistinguishedName([(.commonName, "www.example.com")]),
            subjectAlternativeNames: [.dns("www.example.com")], publicKey: leafKey.publicKey,
            notBefore: now - 60, notAfter: now + 90 * 86_400, profile: .tlsServer
        ).issue(issuer: issuing, issuerKey: issuingKey)
        return Hierarchy(issuingKey: issuingKey, issuing: issuing, leaf: leaf)
    }

    @Test("an empty CRL and one with entries pass lint_crl under PKIX and BR", arguments: ["PKIX", "BR"])
    func revocationLists(profile: String) throws {
        let chain = try Self.hierarchy()
        let now = Date()
        let entries = [
            RevokedCertificate(serialNumber: .random(), revocationDate: now - 3_600, reason: .keyCompromise),
            RevokedCertificate(serialNumber: .random(), revocationDate: now - 7_200, reason: .superseded),
        ]
        for (label, list) in [("empty", [RevokedCertificate]()), ("two entries", entries)] {
            let crl = try RevocationListBuilder(
                crlNumber: 7, thisUpdate: now - 60, nextUpdate: now + 7 * 86_400, entries: list
            ).sign(issuer: chain.issuing, issuerKey: chain.issuingKey)
            try PKILint.check(crl.der, .crl(profile: profile), label: "CRL, \(label)")
        }
    }

    @Test("good, revoked and unknown OCSP responses signed by the issuing CA pass lint_ocsp_response")
    func ocspResponses() throws {
        let chain = try Self.hierarchy()
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("clm-ocsp-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let issuerFile = directory.appendingPathComponent("issuing.pem")
        let leafFile = directory.appendingPathComponent("leaf.pem")
        let requestFile = directory.appendingPathComponent("req.der")
        try chain.issuing.pem.write(to: issuerFile, atomically: true, encoding: .utf8)
        try chain.leaf.pem.write(to: leafFile, atomically: true, encoding: .utf8)
        let made = try run(
            OpenSSL.path,
            ["ocsp", "-issuer", issuerFile.path, "-cert", leafFile.path, "-reqout", requestFile.path, "-no_nonce"])
        #expect(made.status == 0, "\(made.stderr)")
        let request = try OCSPRequest(der: Array(try Data(contentsOf: requestFile)))
        let now = Date()
        let statuses: [(String, OCSPCertificateStatus)] = [
            ("good", .good), ("revoked", .revoked(time: now - 3_600, reason: .keyCompromise)), ("unknown", .unknown),
        ]
        for (label, status) in statuses {
            let response = try OCSPResponseBuilder(
                thisUpdate: now - 60, nextUpdate: now + 86_400,
                answers: request.certIDs.map { OCSPResponseBuilder.Answer(certID: $0, status: status) }
            ).sign(issuer: chain.issuing, issuerKey: chain.issuingKey)
            try PKILint.check(response, .ocspResponse, label: "OCSP \(label)")
        }
    }
}
