import CLMCrypto
import Foundation
import Logging
import PostgresNIO

/// `ca_gateway.authorities`: the CAs' certificates and sealed keys.
extension PostgresCAGatewayStore {
    /// Loads the CA, creating it on the very first start. An advisory lock makes concurrent
    /// first starts create exactly one; a CA sealed under a retired KEK is re-wrapped under the
    /// lock, before it serves.
    func loadOrCreateAuthority(
        name: String, issuingSpec: KeySpec, keys: KeyRing, links: CertificateLinks, logger: Logger
    ) async throws -> CertificateAuthority {
        try await context.client.transaction(logger: logger) { connection in
            try await connection.query("SELECT pg_advisory_xact_lock(hashtext(\("clm.ca." + name)))", logger: logger)
            guard let sealed = try await Self.sealedAuthority(name, on: connection, logger: logger) else {
                logger.info("creating CA", metadata: ["ca": "\(name)"])
                let (authority, sealed) = try CertificateAuthority.create(
                    name: name, issuingSpec: issuingSpec, keys: keys, links: links)
                try await Self.insert(sealed, on: connection, logger: logger)
                return authority
            }
            let authority = try CertificateAuthority.open(sealed, keys: keys, links: links)
            if let rewrapped = try sealed.rewrapped(keys) {
                try await Self.updateKeys(rewrapped, on: connection, logger: logger)
                logger.notice(
                    "CA keys re-wrapped under the current key-encryption key",
                    metadata: ["ca": "\(name)", "kek.from": "\(sealed.kekID)", "kek.to": "\(rewrapped.kekID)"])
            }
            if authority.issuingKeySpec != issuingSpec {
                logger.warning(
                    "CA keeps the issuing key it was created with; configure a new CA name for another algorithm",
                    metadata: [
                        "ca": "\(name)", "configured": "\(issuingSpec.description)",
                        "actual": "\(authority.issuingKeySpec.description)",
                    ])
            }
            return authority
        }
    }

    private static func sealedAuthority(_ name: String, on connection: PostgresConnection, logger: Logger)
        async throws -> SealedAuthority?
    {
        let rows = try await connection.query(
            """
            SELECT root_certificate, issuing_certificate, root_key, issuing_key, kek_id
            FROM ca_gateway.authorities WHERE name = \(name)
            """, logger: logger
        ).decode((String, String, ByteBuffer, ByteBuffer, String).self).collectAll()
        return try rows.first.map {
            SealedAuthority(
                name: name, rootCertificate: $0.0, issuingCertificate: $0.1,
                rootKey: try SealedKey(combinedBytes: Array(buffer: $0.2)),
                issuingKey: try SealedKey(combinedBytes: Array(buffer: $0.3)), kekID: $0.4)
        }
    }

    private static func insert(_ sealed: SealedAuthority, on connection: PostgresConnection, logger: Logger)
        async throws
    {
        try await connection.query(
            """
            INSERT INTO ca_gateway.authorities
                (name, root_certificate, issuing_certificate, root_key, issuing_key, kek_id)
            VALUES (\(sealed.name), \(sealed.rootCertificate), \(sealed.issuingCertificate),
                    \(ByteBuffer(bytes: sealed.rootKey.combinedBytes)),
                    \(ByteBuffer(bytes: sealed.issuingKey.combinedBytes)), \(sealed.kekID))
            """, logger: logger)
    }

    private static func updateKeys(_ sealed: SealedAuthority, on connection: PostgresConnection, logger: Logger)
        async throws
    {
        try await connection.query(
            """
            UPDATE ca_gateway.authorities SET issuing_key = \(ByteBuffer(bytes: sealed.issuingKey.combinedBytes)),
                root_key = \(ByteBuffer(bytes: sealed.rootKey.combinedBytes)), kek_id = \(sealed.kekID)
            WHERE name = \(sealed.name)
            """, logger: logger)
    }
}
