import Foundation
import Testing

@testable import CLMCrypto

@Suite("Crypto: CRL, OCSP and policy extensions of issued certificates")
struct CryptoCertificateExtensionsTests {
    typealias Builder = CryptoCertificateBuilderTests

    static let links = CertificateLinks(
        crlDistributionPoints: ["http://crl.example.com/issuing.crl", "ldap://ldap.example.com/cn=Issuing"],
        ocspResponders: ["http://ocsp.example.com"],
        caIssuers: ["http://pki.example.com/issuing.cer"]
    )

    static func text(_ certificate: Certificate) throws -> String {
        let scratch = try CryptoScratch()
        try scratch.write("c.pem", certificate.pem)
        return try scratch.opensslOK(["x509", "-in", "c.pem", "-noout", "-text"])
    }

    @Test("CRL distribution points, authority information access and policies show in openssl x509 -text")
    func extensionsShow() throws {
        let chain = try Builder.hierarchy()
        let key = try PrivateKey.generate(.ec(curve: .p256))
        var builder = Builder.leafBuilder(for: key.publicKey)
        builder.links = Self.links
        builder.certificatePolicies = ["2.23.140.1.2.2", "1.3.6.1.4.1.99999.1.2"]
        let leaf = try builder.issue(issuer: chain.issuing, issuerKey: chain.issuingKey)
        let text = try Self.text(leaf)

        #expect(text.contains("X509v3 CRL Distribution Points: \n"))  // non-critical
        #expect(text.contains("Full Name:\n                  URI:http://crl.example.com/issuing.crl"))
        #expect(text.contains("URI:ldap://ldap.example.com/cn=Issuing"))
        #expect(text.contains("Authority Information Access: \n"))
        #expect(text.contains("OCSP - URI:http://ocsp.example.com"))
        #expect(text.contains("CA Issuers - URI:http://pki.example.com/issuing.cer"))
        #expect(text.contains("X509v3 Certificate Policies: \n"))
        #expect(text.contains("Policy: 2.23.140.1.2.2") && text.contains("Policy: 1.3.6.1.4.1.99999.1.2"))
        // Everything else is as before, and the chain still verifies.
        #expect(leaf.subjectAlternativeNames == builder.subjectAlternativeNames)
        let scratch = try CryptoScratch()
        try scratch.write("chain.pem", chain.root.pem + chain.issuing.pem)
        try scratch.write("leaf.pem", leaf.pem)
        #expect(try scratch.opensslOK(["verify", "-CAfile", "chain.pem", "leaf.pem"]).contains("leaf.pem: OK"))
    }

    @Test("each extension is written only when it has content")
    func onlyWhenSet() throws {
        let chain = try Builder.hierarchy()
        let key = try PrivateKey.generate(.ec(curve: .p256))
        var builder = Builder.leafBuilder(for: key.publicKey)
        let plain = try Self.text(builder.issue(issuer: chain.issuing, issuerKey: chain.issuingKey))
        for heading in ["CRL Distribution Points", "Authority Information Access", "Certificate Policies"] {
            #expect(!plain.contains(heading))
        }
        builder.links = CertificateLinks(ocspResponders: ["http://ocsp.example.com"])
        let ocspOnly = try Self.text(builder.issue(issuer: chain.issuing, issuerKey: chain.issuingKey))
        #expect(ocspOnly.contains("OCSP - URI:http://ocsp.example.com") && !ocspOnly.contains("CA Issuers"))
        #expect(!ocspOnly.contains("CRL Distribution Points") && !ocspOnly.contains("Certificate Policies"))
        builder.links = .none
        builder.certificatePolicies = ["2.5.29.32.0"]
        let policyOnly = try Self.text(builder.issue(issuer: chain.issuing, issuerKey: chain.issuingKey))
        #expect(policyOnly.contains("Policy: X509v3 Any Policy") && !policyOnly.contains("Authority Information"))
    }

    @Test("URLs and OIDs that are not what they claim are refused before anything is signed")
    func refusals() throws {
        let chain = try Builder.hierarchy()
        let key = try PrivateKey.generate(.ec(curve: .p256))
        for url in [
            "", "no-scheme", "http://a b", "://x", "1http://x", "http:", "http://bücher.de", "http://x,URI:y\n",
        ] {
            for links in [
                CertificateLinks(crlDistributionPoints: [url]), CertificateLinks(ocspResponders: [url]),
                CertificateLinks(caIssuers: ["http://ok.example", url]),
            ] {
                var builder = Builder.leafBuilder(for: key.publicKey)
                builder.links = links
                #expect(throws: CryptoError(.malformedInput, ""), "\(url)") {
                    try builder.issue(issuer: chain.issuing, issuerKey: chain.issuingKey)
                }
            }
        }
        for oid in ["", "2", "2.5.", ".2.5", "2..5", "anyPolicy", "2.5.29.32.0,1.2", "1.2.x", "1.٣"] {
            var builder = Builder.leafBuilder(for: key.publicKey)
            builder.certificatePolicies = [oid]
            #expect(throws: CryptoError(.malformedInput, ""), "\(oid)") {
                try builder.issue(issuer: chain.issuing, issuerKey: chain.issuingKey)
            }
        }
    }
}
