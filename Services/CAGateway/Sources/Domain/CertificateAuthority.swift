import CLMContracts
import CLMCrypto
import Foundation

/// The built-in software CA: a root and an issuing CA created at first start, their private
/// keys stored only sealed (AES-256-GCM under the configured key-encryption key).
final class CertificateAuthority: Sendable {
    let name: String
    let root: Certificate
    let issuing: Certificate
    /// Where relying parties find this CA's CRL, OCSP responder and certificate; every leaf carries them.
    let links: CertificateLinks
    private let issuingKey: PrivateKey

    init(name: String, root: Certificate, issuing: Certificate, issuingKey: PrivateKey, links: CertificateLinks = .none)
    {
        self.name = name
        self.root = root
        self.issuing = issuing
        self.issuingKey = issuingKey
        self.links = links
    }

    var issuingKeySpec: KeySpec { issuingKey.publicKey.spec }

    /// Issuing CA first, then the root: what a client appends to a leaf.
    var chainPEM: String { issuing.pem + root.pem }

    /// A new CA with fresh keys, and its stored form sealed under `keys`' current KEK.
    static func create(
        name: String, issuingSpec: KeySpec, keys: KeyRing, links: CertificateLinks = .none, now: Date = Date()
    ) throws -> (CertificateAuthority, SealedAuthority) {
        let rootKey = try PrivateKey.generate(rootSpec(for: issuingSpec))
        let root = try CertificateBuilder(
            subject: DistinguishedName([(.organization, "CLM"), (.commonName, "CLM \(name) Root CA")]),
            publicKey: rootKey.publicKey, notBefore: now.addingTimeInterval(-60),
            notAfter: now.addingTimeInterval(20 * 365 * 86400),
            profile: CertificateProfile(keyUsage: [.keyCertSign, .cRLSign], isCA: true, pathLength: nil)
        ).issue(issuer: nil, issuerKey: rootKey)
        let issuingKey = try PrivateKey.generate(issuingSpec)
        let issuing = try CertificateBuilder(
            subject: DistinguishedName([(.organization, "CLM"), (.commonName, "CLM \(name) Issuing CA")]),
            publicKey: issuingKey.publicKey, notBefore: now.addingTimeInterval(-60),
            notAfter: now.addingTimeInterval(10 * 365 * 86400), profile: .issuingCA(pathLength: 0)
        ).issue(issuer: root, issuerKey: rootKey)
        let sealed = SealedAuthority(
            name: name, rootCertificate: root.pem, issuingCertificate: issuing.pem,
            rootKey: try keys.seal(rootKey.pkcs8DER(), associatedData: associatedData(name, "root")),
            issuingKey: try keys.seal(issuingKey.pkcs8DER(), associatedData: associatedData(name, "issuing")),
            kekID: keys.current.id)
        let authority = CertificateAuthority(
            name: name, root: root, issuing: issuing, issuingKey: issuingKey, links: links)
        return (authority, sealed)
    }

    /// The CA of a stored form; its issuing key opens only under the CA's name and role.
    static func open(_ sealed: SealedAuthority, keys: KeyRing, links: CertificateLinks = .none) throws
        -> CertificateAuthority
    {
        let key = try keys.open(sealed.issuingKey, associatedData: associatedData(sealed.name, "issuing"))
        return CertificateAuthority(
            name: sealed.name, root: try Certificate(pem: sealed.rootCertificate),
            issuing: try Certificate(pem: sealed.issuingCertificate), issuingKey: try PrivateKey(pkcs8DER: key),
            links: links)
    }

    /// The root's key for an issuing key: same family, at least as strong.
    static func rootSpec(for issuing: KeySpec) -> KeySpec {
        switch issuing {
        case .rsa: .rsa(bits: 4096)
        case .ec(let curve): .ec(curve: curve == .p521 ? .p521 : .p384)
        case .ed25519: .ed25519
        case .ed448: .ed448
        }
    }

    /// Binds a sealed key to its CA and role, so a row copied elsewhere does not open.
    static func associatedData(_ name: String, _ role: String) -> [UInt8] { Array("clm.ca.\(name).\(role)".utf8) }

    /// Signs an end-entity certificate built only from the order (end-entity data mapped
    /// through the policy, and the public key). Validity is cut to the issuing CA's own.
    func issue(_ order: RequestSubmitted, now: Date = Date()) throws -> Certificate {
        guard let spki = order.publicKey.flatMap({ Data(base64Encoded: $0) }) else {
            throw CryptoError(.malformedInput, "order carries no public key")
        }
        let publicKey = try PublicKeyInfo(spkiDER: Array(spki))
        let subject = DistinguishedName(
            order.subject.map {
                DistinguishedName.Attribute(DistinguishedName.AttributeType(rawValue: $0.type), $0.value)
            })
        let names: [SubjectAlternativeName] = order.alternativeNames.map {
            switch $0.kind {
            case .dns: .dns($0.value)
            case .ip: .ip($0.value)
            case .email: .email($0.value)
            case .uri: .uri($0.value)
            }
        }
        let keyUsage = try order.keyUsage.map { name -> KeyUsage in
            guard let usage = KeyUsage(rawValue: name) else {
                throw CryptoError(.malformedInput, "unknown key usage \(name)")
            }
            return usage
        }
        let extendedKeyUsage = try order.extendedKeyUsage.map { name -> ExtendedKeyUsage in
            guard let usage = ExtendedKeyUsage(rawValue: name) else {
                throw CryptoError(.malformedInput, "unknown extended key usage \(name)")
            }
            return usage
        }
        let notBefore = now.addingTimeInterval(-60)
        // validityDays days exactly, counting notAfter's own second as RFC 5280 and the BR do.
        let notAfter = min(notBefore.addingTimeInterval(Double(order.validityDays) * 86400 - 1), issuing.notAfter)
        var builder = CertificateBuilder(
            subject: subject, subjectAlternativeNames: names, publicKey: publicKey, serialNumber: .random(),
            notBefore: notBefore, notAfter: notAfter,
            profile: CertificateProfile(keyUsage: keyUsage, extendedKeyUsage: extendedKeyUsage, isCA: false),
            certificatePolicies: order.certificatePolicies ?? [])
        builder.links = links
        return try builder.issue(issuer: issuing, issuerKey: issuingKey)
    }

    /// Signs CRL number `number` listing `entries`, valid from `thisUpdate` to `nextUpdate`.
    func signRevocationList(number: UInt64, thisUpdate: Date, nextUpdate: Date, entries: [RevokedCertificate])
        throws -> RevocationList
    {
        try RevocationListBuilder(crlNumber: number, thisUpdate: thisUpdate, nextUpdate: nextUpdate, entries: entries)
            .sign(issuer: issuing, issuerKey: issuingKey)
    }

    /// Signs the OCSP answer to `request`: `status` tells what the inventory knows of a serial;
    /// a CertID naming another issuer is `unknown`. The nonce, if any, is echoed.
    func ocspResponse(
        to request: OCSPRequest, thisUpdate: Date, nextUpdate: Date,
        status: (SerialNumber) -> OCSPCertificateStatus
    ) throws -> [UInt8] {
        let answers = request.certIDs.map { id in
            OCSPResponseBuilder.Answer(
                certID: id, status: id.isIssued(by: issuing) ? status(id.serialNumber) : .unknown)
        }
        return try OCSPResponseBuilder(
            thisUpdate: thisUpdate, nextUpdate: nextUpdate, answers: answers, nonce: request.nonce
        ).sign(issuer: issuing, issuerKey: issuingKey)
    }
}

/// A CA as stored: certificates in PEM, private keys sealed under the KEK named `kekID`.
struct SealedAuthority: Sendable {
    var name: String
    var rootCertificate: String
    var issuingCertificate: String
    var rootKey: SealedKey
    var issuingKey: SealedKey
    var kekID: String

    /// Both keys re-wrapped under `keys`' current KEK; nil when they are under it already.
    func rewrapped(_ keys: KeyRing) throws -> SealedAuthority? {
        guard kekID != keys.current.id else { return nil }
        var copy = self
        copy.issuingKey = try keys.rewrap(issuingKey)
        copy.rootKey = try keys.rewrap(rootKey)
        copy.kekID = keys.current.id
        return copy
    }
}

/// The CAs this gateway serves, in configuration order (the first is listed first).
struct AuthorityDirectory: Sendable {
    let all: [CertificateAuthority]
    private let byName: [String: CertificateAuthority]

    init(_ authorities: [CertificateAuthority]) {
        self.all = authorities
        self.byName = Dictionary(authorities.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
    }

    subscript(name: String) -> CertificateAuthority? { byName[name] }

    /// The CA named `name`, or a `not-found` problem.
    func named(_ name: String) throws -> CertificateAuthority {
        guard let authority = byName[name] else { throw Problem.notFound("CA '\(name)'") }
        return authority
    }
}
