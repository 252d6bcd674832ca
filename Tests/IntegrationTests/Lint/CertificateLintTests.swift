import CLMContracts
import CLMCrypto
import Foundation
import Testing

@testable import CAGateway

/// Certificates exactly as the CA gateway issues them from `RequestSubmitted` orders, judged by
/// pkilint rather than by our own reading: a public TLS policy's domain-validated orders must
/// pass RFC 5280 and the CA/Browser Forum TLS Baseline Requirements; every other order RFC 5280.
/// Needs only OpenSSL and pkilint (scripts/setup.sh), no database or broker.
@Suite("Certificate lint (pkilint)", .serialized, .timeLimit(.minutes(5)))
struct CertificateLintTests {
    /// Warnings the profiles allow and CLM accepts on purpose (each printed all the same):
    /// a DV subject keeps its commonName (BR: NOT RECOMMENDED) because TLS clients and operators
    /// still read it, and it always repeats a DNS name; the subject key identifier is written
    /// (BR: NOT RECOMMENDED for subscribers) because RFC 5280 and path builders want it.
    static let acceptedServerAuthWarnings: Set<String> = [
        "cabf.serverauth.dv.common_name_attribute_present",
        "cabf.serverauth.subscriber.subject_key_identifier_extension_present",
    ]

    /// One CA per issuing key type, made once (RSA key generation is slow).
    static let keys: KeyRing = {
        do {
            return try KeyRing(current: KeyEncryptionKey(id: "lint-1", keyBytes: SecureRandom.bytes(32)))
        } catch { fatalError("test KEK: \(error)") }
    }()
    static let ecCA = authority("lint-ec", .ec(curve: .p256))
    static let rsaCA = authority("lint-rsa", .rsa(bits: 3072))

    /// A CA whose leaves carry the CRL, OCSP and CA-issuer links the gateway writes under
    /// `CLM_PUBLIC_URL` (a public host: the BR lint refuses internal names in them too).
    static func authority(_ name: String, _ spec: KeySpec) -> CertificateAuthority {
        do {
            let settings = try CAGatewaySettings.fromEnvironment(["CLM_PUBLIC_URL": "http://pki.example.com"])
            return try CertificateAuthority.create(
                name: name, issuingSpec: spec, keys: keys, links: settings.links(ca: name)
            ).0
        } catch { fatalError("test CA \(name): \(error)") }
    }

    /// An order as intake sends it under a public TLS DV policy (or, with other usages, any policy).
    /// The names are under `com`: the BR lint refuses reserved ones such as `.example` as internal names.
    static func order(
        key spec: KeySpec, subject: [SubjectAttribute] = [.init(type: "CN", value: "www.example.com")],
        names: [AlternativeName] = [
            .init(kind: .dns, value: "www.example.com"), .init(kind: .dns, value: "example.com"),
        ],
        keyUsage: [String] = ["digitalSignature"], extendedKeyUsage: [String] = ["serverAuth"],
        policies: [String]? = [PolicyDocument.domainValidatedPolicy], days: Int = 90
    ) throws -> RequestSubmitted {
        let key = try PrivateKey.generate(spec)
        return RequestSubmitted(
            request: UUID(), realm: "acme", requester: "alice@acme.example", policy: "public-web", policyVersion: 1,
            ca: "lint", approval: .init(mode: .automatic), subject: subject, alternativeNames: names,
            keySource: .csr, publicKey: Data(key.publicKey.spkiDER).base64EncodedString(), keySpec: nil,
            validityDays: days, keyUsage: keyUsage, extendedKeyUsage: extendedKeyUsage, submittedAt: Date(),
            certificatePolicies: policies)
    }

    @Test("pkilint is installed and reports its version")
    func version() throws {
        let version = try PKILint.version()
        print("pkilint \(version)")
        #expect(!version.isEmpty)
    }

    struct TLSCase: Sendable, CustomTestStringConvertible {
        var key: KeySpec
        var rsaCA: Bool
        var days: Int
        var testDescription: String { "\(key) leaf from the \(rsaCA ? "RSA" : "EC") CA, \(days) days" }
    }

    @Test(
        "a public TLS DV certificate passes lint_pkix_cert and lint_cabf_serverauth_cert -t DV-FINAL-CERTIFICATE",
        arguments: [
            TLSCase(key: .ec(curve: .p256), rsaCA: false, days: 90),
            TLSCase(key: .ec(curve: .p384), rsaCA: false, days: 47),
            TLSCase(key: .rsa(bits: 2048), rsaCA: true, days: 90),
            TLSCase(key: .rsa(bits: 3072), rsaCA: false, days: PublicTLSValidity.maxDays(on: Date()) - 1),
        ])
    func publicTLS(testCase: TLSCase) throws {
        let authority = testCase.rsaCA ? Self.rsaCA : Self.ecCA
        let certificate = try authority.issue(Self.order(key: testCase.key, days: testCase.days))
        let label = "\(testCase)"
        try PKILint.check(certificate.der, .pkixCertificate, label: label)
        try PKILint.check(
            certificate.der, .serverAuthCertificate(type: "DV-FINAL-CERTIFICATE"), label: label,
            accepting: Self.acceptedServerAuthWarnings)
    }

    /// The CA counts validityDays as BR §6.3.2 does (86,400-second days, the last second
    /// included): a certificate of exactly today's limit has no ERROR. pkilint warns one day
    /// earlier (SHOULD NOT), which the limit itself accepts.
    @Test("a public TLS certificate of exactly the limit in force stays within the Baseline Requirements")
    func exactlyTheLimit() throws {
        let limit = PublicTLSValidity.maxDays(on: Date())
        let certificate = try Self.ecCA.issue(Self.order(key: .ec(curve: .p256), days: limit))
        let warning = "cabf.serverauth.certificate_validity_period_exceeds_\(limit - 1)_days"
        let findings = try PKILint.check(
            certificate.der, .serverAuthCertificate(type: "DV-FINAL-CERTIFICATE"), label: "EC P-256, \(limit) days",
            accepting: Self.acceptedServerAuthWarnings.union([warning]))
        #expect(
            !findings.contains { $0.code.hasPrefix("cabf.serverauth.certificate_validity_period_exceeds_\(limit)") })
    }

    @Test("an e-mail and client certificate (no public TLS policy) passes lint_pkix_cert")
    func emailCertificate() throws {
        let order = try Self.order(
            key: .ec(curve: .p256),
            subject: [.init(type: "O", value: "ACME Corp"), .init(type: "CN", value: "Alice Example")],
            names: [.init(kind: .email, value: "alice@acme.example")],
            keyUsage: ["digitalSignature", "nonRepudiation"], extendedKeyUsage: ["emailProtection", "clientAuth"],
            policies: ["1.3.6.1.4.1.99999.1.3"], days: 365)
        try PKILint.check(try Self.ecCA.issue(order).der, .pkixCertificate, label: "e-mail EC P-256")
    }

    @Test("a client certificate with only a URI name and an RSA key passes lint_pkix_cert")
    func clientCertificate() throws {
        let order = try Self.order(
            key: .rsa(bits: 2048), subject: [], names: [.init(kind: .uri, value: "https://web.example.com/agent")],
            keyUsage: ["digitalSignature", "keyEncipherment"], extendedKeyUsage: ["clientAuth"], policies: nil,
            days: 30)
        try PKILint.check(try Self.rsaCA.issue(order).der, .pkixCertificate, label: "client RSA-2048, empty subject")
    }

    @Test("the CAs' own certificates pass lint_pkix_cert", arguments: ["ec", "rsa"])
    func authorities(kind: String) throws {
        let authority = kind == "ec" ? Self.ecCA : Self.rsaCA
        try PKILint.check(authority.root.der, .pkixCertificate, label: "\(kind) root CA")
        try PKILint.check(authority.issuing.der, .pkixCertificate, label: "\(kind) issuing CA")
    }
}
