import CLMContracts
import CLMCrypto
import CLMServiceKit
import CLMStorage
import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import PostgresNIO
import ServiceLifecycle

/// Server-side key generation, the sealed key store and the one-time key bundle download.
///
/// A key pair is generated only after the request is approved, sealed at once (AES-256-GCM
/// data key wrapped by the configured KEK, bound to the request id), and only its public key
/// is published. The private key leaves this service once: in the user's PKCS#12 or PEM
/// download, after which it is destroyed.
public struct KeygenModule: ServiceModule {
    public static let definition = ServiceDefinition(
        name: "keygen", schema: "keygen", defaultPort: 8084, migrations: KeygenMigrations.all,
        consumes: [.requestEvents], needsKeyEncryptionKey: true)

    /// Shortest bundle password accepted.
    static let minimumPasswordLength = 12

    let context: ServiceContext
    let keys: KeyRing

    public static func make(context: ServiceContext) async throws -> KeygenModule {
        KeygenModule(context: context, keys: try context.keyRing())
    }

    public var eventHandler: (any EventHandler)? { KeygenEventHandler(keys: keys) }

    public var services: [any Service] {
        [
            KeyRewrapper(context: context, keys: keys),
            KeyRetentionSweeper(context: context),
        ]
    }

    struct BundleRequest: Decodable {
        var password: String?
    }

    public func addRoutes(to router: Router<ServiceRequestContext>) {
        router.post("v1/realms/:realm/requests/:id/key-bundle") { request, ctx in
            try await download(request, ctx)
        }
    }

    /// Wrong guesses of the chosen password before downloads of that key are refused.
    static let passwordAttempts = 5

    /// When the requester chose a password at submission, the download must present it: a
    /// stolen token alone does not get the key. Wrong guesses are counted (in their own
    /// transaction, so the refusal cannot roll them back) and audited.
    private func checkChosenPassword(
        _ password: String?, request id: UUID, realm: String, requester: String, logger: Logger
    ) async throws {
        let row = try await context.read(logger: logger) { connection in
            try await connection.query(
                """
                SELECT key_password_verifier, failed_downloads FROM keygen.orders
                WHERE request_id = \(id) AND realm = \(realm) AND requester = \(requester)
                """, logger: logger
            ).decode((String?, Int).self).collectAll().first
        }
        guard let row, let text = row.0 else { return }  // unknown here (404 later) or no password chosen
        guard let verifier = PasswordVerifier(text) else {
            throw APIError(.internalServerError, code: "internal", detail: "the stored password verifier is unreadable")
        }
        guard row.1 < Self.passwordAttempts else {
            throw APIError.tooManyRequests(
                "\(Self.passwordAttempts) wrong passwords: downloads of this key are locked until its retention ends",
                retryAfter: 3600)
        }
        guard let password, try verifier.matches(password) else {
            try await context.transaction(logger: logger) { tx in
                try await tx.connection.query(
                    "UPDATE keygen.orders SET failed_downloads = failed_downloads + 1 WHERE request_id = \(id)", logger: tx.logger)
                try await context.audit.append(
                    realm: realm, actor: requester, action: "key.download-refused", target: id.uuidString.lowercased(),
                    details: "wrong password (attempt \(row.1 + 1) of \(Self.passwordAttempts))", in: tx)
            }
            throw APIError(
                .forbidden, code: "wrong-password", detail: "the password is not the one chosen when the request was submitted")
        }
    }

    private func download(_ request: Request, _ ctx: ServiceRequestContext) async throws -> Response {
        let access = try ctx.authorize(.downloadKey)
        let realm = access.realm
        let text = try ctx.parameters.require("id")
        guard let id = UUID(uuidString: text) else { throw APIError.notFound("request '\(text)'") }
        let format = request.uri.queryParameters.get("format") ?? "pkcs12"
        guard format == "pkcs12" || format == "pem" else {
            throw APIError.badRequest("invalid-query", "format: must be pkcs12 or pem")
        }
        let body = try await request.decodeJSON(BundleRequest.self, limit: 4096)
        let password = body.password
        if format == "pkcs12" && password == nil {
            throw APIError.badRequest("missing-password", "password: a PKCS#12 bundle needs a password")
        }
        if let password, password.count < Self.minimumPasswordLength || password.count > 1024 {
            throw APIError.badRequest(
                "weak-password", "password: must be \(Self.minimumPasswordLength)...1024 characters")
        }
        var logger = ctx.logger
        logger[metadataKey: "realm"] = "\(realm)"
        logger[metadataKey: "request.id"] = "\(id)"
        // Intake may report `issued` before this service has consumed the same certificate
        // event — this consumer can be busy generating RSA keys for other requests of its
        // partition: wait for it rather than sending the user away.
        let deadline = ContinuousClock.now + .seconds(30)
        while ContinuousClock.now < deadline {
            let waiting = try await context.read(logger: logger) { connection in
                try await connection.query(
                    """
                    SELECT 1 FROM keygen.keys WHERE request_id = \(id) AND realm = \(realm)
                    AND certificate IS NULL AND destroyed_at IS NULL
                    """, logger: logger
                ).collectAll()
            }
            if waiting.isEmpty { break }
            try await Task.sleep(for: .milliseconds(100))
        }
        try await checkChosenPassword(password, request: id, realm: realm, requester: access.subject, logger: logger)
        let keys = self.keys
        let bundle = try await context.transaction(logger: logger) { tx -> (bytes: [UInt8], contentType: String) in
            guard
                let row = try await tx.connection.query(
                    """
                    SELECT k.sealed_key, k.certificate, k.chain, k.destroyed_at, k.destroy_cause FROM keygen.keys k
                    JOIN keygen.orders o ON o.request_id = k.request_id
                    WHERE k.request_id = \(id) AND k.realm = \(realm) AND o.requester = \(access.subject) FOR UPDATE OF k
                    """, logger: tx.logger
                ).decode((ByteBuffer?, String?, String?, Date?, String?).self).collectAll().first
            // Only the requester downloads; anyone else learns nothing, not even that it exists.
            else { throw APIError.notFound("key of request \(id)") }
            if let destroyed = row.3 {
                let why = KeyDestroyed.Cause(rawValue: row.4 ?? "").map(Self.describe) ?? "it was destroyed"
                throw APIError(
                    .gone, code: "key-destroyed",
                    detail: "the private key no longer exists: \(why) (\(ContractCoding.formatTimestamp(destroyed)))")
            }
            guard let sealedBytes = row.0, let certificatePEM = row.1, let chainPEM = row.2 else {
                var headers = HTTPFields()
                headers[.retryAfter] = "2"
                throw APIError(
                    .conflict, code: "not-issued", detail: "request \(id) has no certificate yet; download after issuance",
                    headers: headers)
            }
            let sealed = try SealedKey(combinedBytes: Array(buffer: sealedBytes))
            let pkcs8 = try keys.open(sealed, associatedData: KeygenEventHandler.associatedData(id))
            let key = try PrivateKey(pkcs8DER: pkcs8)
            let certificate = try Certificate(pem: certificatePEM)
            let chain = Certificate.parseChain(pem: chainPEM)
            let result: (bytes: [UInt8], contentType: String)
            switch format {
            case "pem":
                let keyPEM = try key.pkcs8PEM(password: password)
                result = (Array((certificatePEM + chainPEM).utf8) + keyPEM.copyBytes(), "application/x-pem-file")
            default:
                let p12 = try PKCS12.export(
                    key: key, certificate: certificate, chain: chain, password: password ?? "", friendlyName: id.uuidString)
                result = (p12.copyBytes(), "application/x-pkcs12")
            }
            // One download, then the key is gone: the sealed box is deleted with the commit.
            try await tx.connection.query(
                """
                UPDATE keygen.keys SET sealed_key = NULL, downloaded_at = now(), destroyed_at = now(),
                    destroy_cause = \(KeyDestroyed.Cause.downloaded.rawValue)
                WHERE request_id = \(id)
                """, logger: tx.logger)
            try await tx.publish(
                tx.outbox.event(
                    .keyDestroyed, subject: id.uuidString.lowercased(), realm: realm,
                    data: KeyDestroyed(
                        request: id, realm: realm, cause: .downloaded,
                        reason: "private key downloaded as \(format == "pem" ? "PEM" : "PKCS#12") by \(access.subject) and destroyed")))
            try await context.audit.append(
                realm: realm, actor: access.subject, action: "key.downloaded", target: id.uuidString.lowercased(),
                details: "format \(format), password-protected \(password != nil)", in: tx)
            return result
        }
        logger.notice("key bundle downloaded; private key destroyed", metadata: ["format": "\(format)"])
        return Response(
            status: .ok,
            headers: [
                .contentType: bundle.contentType, .cacheControl: "no-store",
                .contentDisposition: "attachment; filename=\"\(id.uuidString.lowercased()).\(format == "pem" ? "pem" : "p12")\"",
            ],
            body: .init(byteBuffer: ByteBuffer(bytes: bundle.bytes)))
    }

    static func describe(_ cause: KeyDestroyed.Cause) -> String {
        switch cause {
        case .downloaded: "it was downloaded once already"
        case .retentionExpired: "its retention period passed without a download"
        case .requestEnded: "the request ended without a certificate"
        }
    }
}

/// Generates keys for approved server-side requests and keeps their certificates for the bundle.
struct KeygenEventHandler: EventHandler {
    let keys: KeyRing

    var eventTypes: Set<String> {
        [
            EventType.requestSubmitted.rawValue, EventType.requestApproved.rawValue, EventType.certificateIssued.rawValue,
            EventType.requestFailed.rawValue,
        ]
    }

    /// An approval seen again gets the generated key's event published again.
    var republishOnRedelivery: Set<String> { [EventType.requestApproved.rawValue] }

    /// Most requests bring their own CSR: their events are none of keygen's business, and
    /// finding that out must not cost a transaction each. A request's events share a
    /// partition, so its submission (and the order it makes) always comes first; one lost by
    /// the broker comes back, in order, with the re-drive (decision 0014).
    func concerns(_ event: IncomingEvent, client: PostgresClient, logger: Logger) async throws -> Bool {
        switch EventType(rawValue: event.header.type) {
        case .requestSubmitted:
            return try event.decode(RequestSubmitted.self).data.keySource == .server
        case .requestApproved, .certificateIssued, .requestFailed:
            guard let request = UUID(uuidString: event.header.subject) else { return true }
            return try await client.query(
                "SELECT 1 FROM keygen.orders WHERE request_id = \(request)", logger: logger
            ).collectAll().isEmpty == false
        default:
            return true
        }
    }

    /// Binds a sealed key to its request, so a box copied to another row does not open.
    static func associatedData(_ request: UUID) -> [UInt8] { Array("clm.keygen.\(request.uuidString.lowercased())".utf8) }

    func handle(_ event: IncomingEvent, in tx: EventTransaction) async throws {
        switch EventType(rawValue: event.header.type) {
        case .requestSubmitted:
            let submitted = try event.decode(RequestSubmitted.self).data
            guard submitted.keySource == .server, let spec = submitted.keySpec else { return }
            try await tx.connection.query(
                """
                INSERT INTO keygen.orders (request_id, realm, key_spec, requester, retention_seconds, key_password_verifier)
                VALUES (\(submitted.request), \(submitted.realm), \(spec), \(submitted.requester),
                        \(submitted.keyRetentionSeconds ?? DurationText.seconds(PolicyDocument.defaultKeyRetention)),
                        \(submitted.keyPasswordVerifier))
                ON CONFLICT (request_id) DO NOTHING
                """, logger: tx.logger)
        case .requestApproved:
            let approved = try event.decode(RequestApproved.self).data
            try await generate(approved, event: event, tx: tx)
        case .requestFailed:
            // A key whose certificate will never come has nothing left to wait for.
            let failed = try event.decode(RequestFailed.self).data
            try await KeyRetentionSweeper.destroy(
                request: failed.request, realm: failed.realm, cause: .requestEnded,
                reason: "request failed before issuance; private key destroyed", in: tx)
        case .certificateIssued:
            let issued = try event.decode(CertificateIssued.self).data
            try await tx.connection.query(
                """
                UPDATE keygen.keys SET certificate = \(issued.certificate), chain = \(issued.chain)
                WHERE request_id = \(issued.request) AND realm = \(issued.realm) AND destroyed_at IS NULL
                """, logger: tx.logger)
        default:
            return
        }
    }

    private func generate(_ approved: RequestApproved, event: IncomingEvent, tx: EventTransaction) async throws {
        guard
            let specText = try await tx.connection.query(
                """
                SELECT key_spec FROM keygen.orders WHERE request_id = \(approved.request) AND realm = \(approved.realm)
                FOR UPDATE
                """, logger: tx.logger
            ).decode(String.self).collectAll().first
        else { return }  // a CSR request: nothing to generate
        let existing = try await tx.connection.query(
            "SELECT 1 FROM keygen.keys WHERE request_id = \(approved.request)", logger: tx.logger
        ).collectAll()
        guard existing.isEmpty else { return }  // replayed approval
        let spec: KeySpec
        do {
            spec = try KeySpec(parsing: specText)
        } catch {
            throw EventRejection(reason: "request \(approved.request) has an unusable key spec '\(specText)'")
        }
        let key = try PrivateKey.generate(spec)
        let sealed = try keys.seal(key.pkcs8DER(), associatedData: Self.associatedData(approved.request))
        let publicKey = Data(key.publicKey.spkiDER).base64EncodedString()
        try await tx.connection.query(
            """
            INSERT INTO keygen.keys (request_id, realm, key_spec, sealed_key, kek_id, public_key, destroy_after)
            SELECT \(approved.request), \(approved.realm), \(spec.description),
                   \(ByteBuffer(bytes: sealed.combinedBytes)), \(keys.current.id), \(publicKey),
                   now() + make_interval(secs => o.retention_seconds)
            FROM keygen.orders o WHERE o.request_id = \(approved.request)
            """, logger: tx.logger)
        try await tx.publish(
            tx.outbox.event(
                .keyGenerated, subject: event.header.subject, realm: approved.realm,
                data: KeyGenerated(
                    request: approved.request, realm: approved.realm, keySpec: spec.description, publicKey: publicKey),
                traceparent: event.header.traceparent))
        tx.logger.info("key pair generated and sealed", metadata: ["key.spec": "\(spec.description)"])
    }
}

enum KeygenMigrations {
    static let all: [Migration] = [
        Migration(
            version: 2, name: "orders and sealed keys",
            statements: [
                """
                CREATE TABLE keygen.orders (
                    request_id uuid PRIMARY KEY,
                    realm text NOT NULL,
                    key_spec text NOT NULL,
                    received_at timestamptz NOT NULL DEFAULT now()
                )
                """,
                """
                CREATE TABLE keygen.keys (
                    request_id uuid PRIMARY KEY REFERENCES keygen.orders(request_id),
                    realm text NOT NULL,
                    key_spec text NOT NULL,
                    sealed_key bytea,
                    kek_id text NOT NULL,
                    public_key text NOT NULL,
                    certificate text,
                    chain text,
                    created_at timestamptz NOT NULL DEFAULT now(),
                    downloaded_at timestamptz,
                    destroyed_at timestamptz,
                    CHECK ((sealed_key IS NULL) = (destroyed_at IS NOT NULL))
                )
                """,
            ]),
        Migration(
            version: 3, name: "requester and retention",
            statements: [
                // Rows from before: requester unknown (nobody can download them) and the default retention.
                "ALTER TABLE keygen.orders ADD COLUMN requester text NOT NULL DEFAULT ''",
                "ALTER TABLE keygen.orders ALTER COLUMN requester DROP DEFAULT",
                "ALTER TABLE keygen.orders ADD COLUMN retention_seconds integer NOT NULL DEFAULT 604800",
                "ALTER TABLE keygen.keys ADD COLUMN destroy_after timestamptz NOT NULL DEFAULT now() + interval '7 days'",
                "ALTER TABLE keygen.keys ALTER COLUMN destroy_after DROP DEFAULT",
                "ALTER TABLE keygen.keys ADD COLUMN destroy_cause text",
                "CREATE INDEX keys_retention ON keygen.keys (destroy_after) WHERE destroyed_at IS NULL",
            ]),
        Migration(
            version: 4, name: "password chosen at submission",
            statements: [
                "ALTER TABLE keygen.orders ADD COLUMN key_password_verifier text",
                "ALTER TABLE keygen.orders ADD COLUMN failed_downloads integer NOT NULL DEFAULT 0",
            ]),
    ]
}
