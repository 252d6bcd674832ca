import CLMContracts
import CLMCrypto
import CLMServiceKit
import Foundation
import Logging
import PostgresNIO

/// The built-in software CA: a root and an issuing CA created at first start, their private
/// keys stored only sealed (AES-256-GCM under the configured key-encryption key).
final class CertificateAuthority: Sendable {
    let name: String
    let root: Certificate
    let issuing: Certificate
    private let issuingKey: PrivateKey

    init(name: String, root: Certificate, issuing: Certificate, issuingKey: PrivateKey) {
        self.name = name
        self.root = root
        self.issuing = issuing
        self.issuingKey = issuingKey
    }

    var issuingKeySpec: KeySpec { issuingKey.publicKey.spec }

    /// Issuing CA first, then the root: what a client appends to a leaf.
    var chainPEM: String { issuing.pem + root.pem }

    /// Loads the CA, creating it on the very first start. An advisory lock makes concurrent
    /// first starts create exactly one.
    static func loadOrCreate(
        name: String, issuingSpec: KeySpec, keys: KeyRing, client: PostgresClient, logger: Logger
    ) async throws -> CertificateAuthority {
        try await client.transaction(logger: logger) { connection in
            try await connection.query("SELECT pg_advisory_xact_lock(hashtext(\("clm.ca." + name)))", logger: logger)
            if let row = try await connection.query(
                """
                SELECT root_certificate, issuing_certificate, issuing_key, root_key, kek_id
                FROM ca_gateway.authorities WHERE name = \(name)
                """,
                logger: logger
            ).decode((String, String, ByteBuffer, ByteBuffer, String).self).collectAll().first {
                let sealed = try SealedKey(combinedBytes: Array(buffer: row.2))
                let key = try keys.open(sealed, associatedData: associatedData(name, "issuing"))
                if row.4 != keys.current.id {
                    // A rotated KEK: re-wrap both CA keys now, under the lock, before serving.
                    let issuing = try keys.rewrap(sealed)
                    let root = try keys.rewrap(try SealedKey(combinedBytes: Array(buffer: row.3)))
                    try await connection.query(
                        """
                        UPDATE ca_gateway.authorities SET issuing_key = \(ByteBuffer(bytes: issuing.combinedBytes)),
                            root_key = \(ByteBuffer(bytes: root.combinedBytes)), kek_id = \(keys.current.id)
                        WHERE name = \(name)
                        """, logger: logger)
                    logger.notice(
                        "CA keys re-wrapped under the current key-encryption key",
                        metadata: ["ca": "\(name)", "kek.from": "\(row.4)", "kek.to": "\(keys.current.id)"])
                }
                let issuingKey = try PrivateKey(pkcs8DER: key)
                if issuingKey.publicKey.spec != issuingSpec {
                    logger.warning(
                        "CA keeps the issuing key it was created with; configure a new CA name for another algorithm",
                        metadata: [
                            "ca": "\(name)", "configured": "\(issuingSpec.description)",
                            "actual": "\(issuingKey.publicKey.spec.description)",
                        ])
                }
                return CertificateAuthority(
                    name: name, root: try Certificate(pem: row.0), issuing: try Certificate(pem: row.1),
                    issuingKey: issuingKey)
            }
            logger.info("creating CA", metadata: ["ca": "\(name)"])
            let now = Date()
            let rootKey = try PrivateKey.generate(Self.rootSpec(for: issuingSpec))
            let root = try CertificateBuilder(
                subject: DistinguishedName([(.organization, "CLM"), (.commonName, "CLM \(name) Root CA")]),
                publicKey: rootKey.publicKey, notBefore: now.addingTimeInterval(-60),
                notAfter: now.addingTimeInterval(20 * 365 * 86400), profile: CertificateProfile(keyUsage: [.keyCertSign, .cRLSign], isCA: true, pathLength: nil)
            ).issue(issuer: nil, issuerKey: rootKey)
            let issuingKey = try PrivateKey.generate(issuingSpec)
            let issuing = try CertificateBuilder(
                subject: DistinguishedName([(.organization, "CLM"), (.commonName, "CLM \(name) Issuing CA")]),
                publicKey: issuingKey.publicKey, notBefore: now.addingTimeInterval(-60),
                notAfter: now.addingTimeInterval(10 * 365 * 86400), profile: .issuingCA(pathLength: 0)
            ).issue(issuer: root, issuerKey: rootKey)
            let sealedRoot = try keys.seal(rootKey.pkcs8DER(), associatedData: associatedData(name, "root"))
            let sealedIssuing = try keys.seal(issuingKey.pkcs8DER(), associatedData: associatedData(name, "issuing"))
            try await connection.query(
                """
                INSERT INTO ca_gateway.authorities (name, root_certificate, issuing_certificate, root_key, issuing_key, kek_id)
                VALUES (\(name), \(root.pem), \(issuing.pem), \(ByteBuffer(bytes: sealedRoot.combinedBytes)),
                        \(ByteBuffer(bytes: sealedIssuing.combinedBytes)), \(keys.current.id))
                """, logger: logger)
            return CertificateAuthority(name: name, root: root, issuing: issuing, issuingKey: issuingKey)
        }
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
            order.subject.map { DistinguishedName.Attribute(DistinguishedName.AttributeType(rawValue: $0.type), $0.value) })
        let names: [SubjectAlternativeName] = order.alternativeNames.map {
            switch $0.kind {
            case .dns: .dns($0.value)
            case .ip: .ip($0.value)
            case .email: .email($0.value)
            case .uri: .uri($0.value)
            }
        }
        let keyUsage = try order.keyUsage.map { name -> KeyUsage in
            guard let usage = KeyUsage(rawValue: name) else { throw CryptoError(.malformedInput, "unknown key usage \(name)") }
            return usage
        }
        let extendedKeyUsage = try order.extendedKeyUsage.map { name -> ExtendedKeyUsage in
            guard let usage = ExtendedKeyUsage(rawValue: name) else {
                throw CryptoError(.malformedInput, "unknown extended key usage \(name)")
            }
            return usage
        }
        let notBefore = now.addingTimeInterval(-60)
        let notAfter = min(now.addingTimeInterval(Double(order.validityDays) * 86400), issuing.notAfter)
        return try CertificateBuilder(
            subject: subject, subjectAlternativeNames: names, publicKey: publicKey, serialNumber: .random(),
            notBefore: notBefore, notAfter: notAfter,
            profile: CertificateProfile(keyUsage: keyUsage, extendedKeyUsage: extendedKeyUsage, isCA: false)
        ).issue(issuer: issuing, issuerKey: issuingKey)
    }
}
