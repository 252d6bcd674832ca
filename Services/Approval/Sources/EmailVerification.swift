import CLMContracts
import CLMCrypto
import CLMServiceKit
import CLMStorage
import Foundation
import Hummingbird
import Logging
import NIOCore
import PostgresNIO
import ServiceLifecycle

/// E-mail verification: mails each end entity a single-use link and approves the request once
/// every address confirmed.
///
/// The token (256 random bits) exists only in the mail; the database keeps its SHA-256, and a
/// link is looked up by that hash, so neither a database reader nor response timing reveals a
/// valid token. `GET` only shows what would be confirmed (mail scanners prefetch links);
/// `POST` confirms.
struct EmailVerification: Sendable {
    let context: ServiceContext
    let settings: ApprovalSettings
    /// Signalled when a verification mail is due, so it goes out at once.
    let mailDue = WakeSignal()

    init(context: ServiceContext, settings: ApprovalSettings) {
        self.context = context
        self.settings = settings
    }

    // MARK: Sending

    func mailer() -> some Service {
        Mailer(verification: self)
    }

    struct Mailer: Service {
        let verification: EmailVerification
        func run() async throws {
            while !Task.isShuttingDownGracefully && !Task.isCancelled {
                var sent = 0
                do {
                    sent = try await verification.sendNext()
                } catch {
                    verification.context.logger.warning("verification mailer failed; retrying", metadata: ["error": "\(error)"])
                }
                if sent == 0 { await verification.mailDue.wait(timeout: .seconds(2)) }
            }
        }
    }

    /// Sends the next due verification mail, if any; returns how many it handled (0 or 1).
    func sendNext() async throws -> Int {
        guard context.database.isAvailable else { return 0 }
        let settings = self.settings
        return try await context.transaction { tx in
            guard
                let row = try await tx.connection.query(
                    """
                    SELECT v.request_id, v.email, v.attempts, d.realm, d.expires_at, d.submitted::text
                    FROM approval.verifications v JOIN approval.decisions d USING (request_id)
                    WHERE v.sent_at IS NULL AND v.next_attempt_at <= now() AND d.state = 'awaiting_verification'
                    ORDER BY v.next_attempt_at LIMIT 1 FOR UPDATE OF v SKIP LOCKED
                    """, logger: tx.logger
                ).decode((UUID, String, Int, String, Date?, String).self).collectAll().first
            else { return 0 }
            let (id, email, attempts, realm, expiresAt, submittedText) = row
            var logger = tx.logger
            logger[metadataKey: "request.id"] = "\(id)"
            logger[metadataKey: "realm"] = "\(realm)"
            let submitted = try JSONColumn.decode(RequestSubmitted.self, from: submittedText)
            let token = SecureRandom.token(bytes: 32)
            let message = Self.message(
                to: email, submitted: submitted, link: "\(settings.publicURL)/v1/verify/\(token)",
                expiresAt: expiresAt ?? Date())
            do {
                try await SMTPClient(configuration: settings.smtp, logger: logger).send(message)
            } catch let error as SMTPError {
                let attempt = attempts + 1
                if error.isTransient && attempt < settings.mailAttempts {
                    // 2, 4, 8 … seconds, at most five minutes between tries.
                    let delay = min(1 << min(attempt, 8), 300)
                    try await tx.connection.query(
                        """
                        UPDATE approval.verifications SET attempts = \(attempt), last_error = \(error.description),
                            next_attempt_at = now() + make_interval(secs => \(Double(delay)))
                        WHERE request_id = \(id) AND email = \(email)
                        """, logger: logger)
                    logger.warning(
                        "verification mail not sent; will retry",
                        metadata: ["attempt": "\(attempt)", "error": "\(error.description)"])
                    return 1
                }
                let reason = "could not mail the verification link to \(email) after \(attempt) attempt(s): \(error.description)"
                try await tx.connection.query(
                    """
                    UPDATE approval.decisions SET state = 'failed', decided_by = 'system:mail', reason = \(reason)
                    WHERE request_id = \(id)
                    """, logger: logger)
                try await tx.publish(
                    tx.outbox.event(
                        .requestFailed, subject: id.uuidString.lowercased(), realm: realm,
                        data: RequestFailed(
                            request: id, realm: realm, code: "verification-mail-failed", reason: reason,
                            failedBy: "approval")))
                logger.error("verification mail failed for good; request failed", metadata: ["error": "\(error.description)"])
                return 1
            }
            try await tx.connection.query(
                """
                UPDATE approval.verifications SET token_hash = \(ByteBuffer(bytes: Digest.sha256(Array(token.utf8)))),
                    sent_at = now(), attempts = attempts + 1, last_error = NULL
                WHERE request_id = \(id) AND email = \(email)
                """, logger: logger)
            logger.info("verification mail sent")
            return 1
        }
    }

    static func message(to email: String, submitted: RequestSubmitted, link: String, expiresAt: Date) -> MailMessage {
        let commonName = submitted.subject.first { $0.type == "CN" }?.value
        let subjectText = submitted.subject.map { "\($0.type)=\($0.value)" }.joined(separator: ", ")
        let names = submitted.alternativeNames.map { "\($0.kind.rawValue):\($0.value)" }.joined(separator: ", ")
        let body = """
            A certificate was requested in realm \(submitted.realm) that names this address.

              Subject:      \(subjectText.isEmpty ? "(empty)" : subjectText)
              Names:        \(names.isEmpty ? "(none)" : names)
              Policy:       \(submitted.policy) v\(submitted.policyVersion)
              Requested by: \(submitted.requester)

            To confirm the request, open this link and press "Confirm" (it works once, until \
            \(ContractCoding.formatTimestamp(expiresAt))):

              \(link)

            If you did not expect this request, ignore this message: nothing is issued without \
            your confirmation, and the request expires by itself.
            """
        return MailMessage(
            to: [email], subject: "Confirm the certificate request for \(commonName ?? email) (\(submitted.realm))",
            textBody: body, messageID: "<\(submitted.request.uuidString.lowercased()).\(UUID().uuidString.lowercased())@clm>")
    }

    // MARK: Confirming

    struct LinkView: Codable, Sendable {
        var request: UUID
        var realm: String
        var email: String
        var policy: String
        var requester: String
        var subject: [SubjectAttribute]
        var alternativeNames: [AlternativeName]
        var expiresAt: Date?
        var confirmed: Bool
    }

    func addRoutes(to router: Router<ServiceRequestContext>) {
        // The links need no token, so they are what a guesser would hammer: bound the rate
        // for the whole process (each guess also has to hit one of 2^256 values).
        let limiter = RateLimiter(perSecond: settings.verifyRatePerSecond)
        router.get("v1/verify/:token") { request, ctx in
            guard limiter.admit() else { throw APIError.tooManyRequests("too many verification attempts; retry shortly") }
            let hash = try Self.tokenHash(ctx)
            let view = try await context.read { connection in
                try await Self.findLink(hash, lock: false, on: connection, logger: ctx.logger)
            }
            return try Self.respond(view, request: request, confirmedNow: false)
        }
        router.post("v1/verify/:token") { request, ctx in
            guard limiter.admit() else { throw APIError.tooManyRequests("too many verification attempts; retry shortly") }
            let hash = try Self.tokenHash(ctx)
            let view = try await context.transaction(logger: ctx.logger) { tx in
                try await confirm(hash, tx: tx)
            }
            ctx.logger.notice("e-mail address confirmed", metadata: ["request.id": "\(view.request)"])
            return try Self.respond(view, request: request, confirmedNow: true)
        }
    }

    /// Validates the token's form and returns its hash; a malformed token is just not found.
    static func tokenHash(_ ctx: ServiceRequestContext) throws -> [UInt8] {
        let token = try ctx.parameters.require("token")
        guard token.count == 43, token.utf8.allSatisfy({ byte in
            (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
                || byte == 0x2D || byte == 0x5F
        }) else { throw Self.unknownLink }
        return Digest.sha256(Array(token.utf8))
    }

    static let unknownLink = APIError(
        .notFound, code: "unknown-link", detail: "this verification link is not valid; check that it was copied whole")

    /// The link's request, refusing used links and requests that stopped waiting.
    static func findLink(_ hash: [UInt8], lock: Bool, on connection: PostgresConnection, logger: Logger) async throws
        -> LinkView
    {
        guard
            let row = try await connection.query(
                """
                SELECT v.request_id, v.email, v.confirmed_at, d.state, d.expires_at, d.submitted::text
                FROM approval.verifications v JOIN approval.decisions d USING (request_id)
                WHERE v.token_hash = \(ByteBuffer(bytes: hash)) \(unescaped: lock ? "FOR UPDATE OF v, d" : "")
                """, logger: logger
            ).decode((UUID, String, Date?, String, Date?, String).self).collectAll().first
        else { throw unknownLink }
        let submitted = try JSONColumn.decode(RequestSubmitted.self, from: row.5)
        if row.2 != nil {
            throw APIError(.gone, code: "link-used", detail: "this verification link was used already")
        }
        if row.3 != RequestState.awaitingVerification.rawValue {
            throw APIError(.gone, code: "link-expired", detail: "the request is \(row.3); it no longer waits for verification")
        }
        if let expiresAt = row.4, expiresAt <= Date() {
            throw APIError(.gone, code: "link-expired", detail: "this verification link expired")
        }
        return LinkView(
            request: row.0, realm: submitted.realm, email: row.1, policy: submitted.policy,
            requester: submitted.requester, subject: submitted.subject, alternativeNames: submitted.alternativeNames,
            expiresAt: row.4, confirmed: false)
    }

    /// Confirms one address; approves the request when it was the last one.
    private func confirm(_ hash: [UInt8], tx: EventTransaction) async throws -> LinkView {
        var view = try await Self.findLink(hash, lock: true, on: tx.connection, logger: tx.logger)
        try await tx.connection.query(
            "UPDATE approval.verifications SET confirmed_at = now() WHERE token_hash = \(ByteBuffer(bytes: hash))",
            logger: tx.logger)
        view.confirmed = true
        let progress = try await tx.connection.query(
            """
            SELECT email, confirmed_at IS NOT NULL FROM approval.verifications WHERE request_id = \(view.request)
            ORDER BY email
            """, logger: tx.logger
        ).decode((String, Bool).self).collectAll()
        let confirmed = progress.filter(\.1).map { "email:\($0.0)" }
        let subject = view.request.uuidString.lowercased()
        try await context.audit.append(
            realm: view.realm, actor: "email:\(view.email)", action: "email.confirmed", target: subject, in: tx)
        if confirmed.count == progress.count {
            let reason = "e-mail verified by \(progress.map(\.0).joined(separator: ", "))"
            try await tx.connection.query(
                """
                UPDATE approval.decisions SET state = 'approved', decided_by = \(confirmed.joined(separator: ", ")),
                    reason = \(reason)
                WHERE request_id = \(view.request)
                """, logger: tx.logger)
            try await tx.publish(
                tx.outbox.event(
                    .requestApproved, subject: subject, realm: view.realm,
                    data: RequestApproved(request: view.request, realm: view.realm, approvedBy: confirmed, reason: reason)))
        } else {
            try await tx.publish(
                tx.outbox.event(
                    .requestAwaiting, subject: subject, realm: view.realm,
                    data: RequestAwaiting(
                        request: view.request, realm: view.realm, state: .awaitingVerification, required: progress.count,
                        received: confirmed, expiresAt: view.expiresAt ?? Date(),
                        reason: "\(view.email) confirmed (\(confirmed.count) of \(progress.count))")))
        }
        return view
    }

    /// JSON for programs (`Accept: application/json`), a small page for people.
    static func respond(_ view: LinkView, request: Request, confirmedNow: Bool) throws -> Response {
        if request.headers[.accept]?.contains("application/json") == true {
            let body = try ContractCoding.encoder().encode(view)
            return Response(
                status: .ok, headers: [.contentType: "application/json", .cacheControl: "no-store"],
                body: .init(byteBuffer: ByteBuffer(bytes: body)))
        }
        let rows = [
            ("Realm", view.realm), ("Policy", view.policy), ("Requested by", view.requester),
            ("Subject", view.subject.map { "\($0.type)=\($0.value)" }.joined(separator: ", ")),
            ("Names", view.alternativeNames.map { "\($0.kind.rawValue):\($0.value)" }.joined(separator: ", ")),
            ("Address", view.email),
        ].map { "<tr><th>\(html($0.0))</th><td>\(html($0.1))</td></tr>" }.joined()
        let action =
            confirmedNow
            ? "<p><strong>Confirmed.</strong> Thank you; the request continues.</p>"
            : "<form method=\"post\"><button type=\"submit\">Confirm this request</button></form>"
        let page = """
            <!doctype html><html lang="en"><head><meta charset="utf-8"><title>CLM: confirm a certificate request</title>
            </head><body><h1>Certificate request</h1><table>\(rows)</table>\(action)</body></html>
            """
        return Response(
            status: .ok,
            headers: [
                .contentType: "text/html; charset=utf-8", .cacheControl: "no-store",
                .contentSecurityPolicy: "default-src 'none'; form-action 'self'",
            ],
            body: .init(byteBuffer: ByteBuffer(string: page)))
    }

    static func html(_ text: String) -> String {
        var out = ""
        for character in text {
            switch character {
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "&": out += "&amp;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.append(character)
            }
        }
        return out
    }
}
