import CLMContracts
import CLMIdentity
import CLMServiceKit
import CLMStorage
import Foundation
import Logging

/// Revocations over the Kafka command topic, judged by the same `RevokeCertificate` as
/// `POST …/revoke`: its fields are held to the rule for text of every HTTP body (`TextRule`,
/// `invalid-text`), the token is verified, the envelope's realm authorised like a path's
/// (no role there answers `not-found`), and every command gets exactly one `CommandResult`
/// under its id, also one that fails its schema (`refuse`). The token is never logged or
/// stored; the dead-letter copy has it replaced (`RevokeCommand.secretFields`).
struct RevokeCommandHandler: Sendable {
    let revoke: RevokeCertificate
    let caller: CommandCaller
    let audit: AuditLog

    func handle(_ event: ReceivedEvent<RevokeCommand>, in tx: EventTransaction) async throws {
        var logger = tx.logger
        logger[metadataKey: "realm"] = "\(event.header.realm)"
        logger[metadataKey: "command.id"] = "\(event.header.id)"
        let store = PostgresCAGatewayTransaction(base: AuditedTransaction(tx, auditLog: audit))
        do {
            let outcome = try await revoke(event.data, realm: event.header.realm, in: store, event: tx)
            logger.info(
                "revoke command accepted",
                metadata: ["serial": "\(outcome.revocation.serialNumber)", "created": "\(outcome.created)"])
            try await CommandCaller.answer(
                CommandResult(
                    command: event.header.id, realm: event.header.realm, accepted: true,
                    request: outcome.revocation.request, serialNumber: outcome.revocation.serialNumber),
                in: tx)
        } catch let problem as Problem {
            try await refuse(event.header, problem, in: tx, logger: logger)
        }
    }

    /// Answers a command that could not be processed at all (schema, payload).
    func refuse(_ header: EventHeader, reason: String, in tx: EventTransaction) async throws {
        let problem = Problem.invalid(
            "invalid-command", "the command does not match \(EventType.revokeCommand.rawValue): \(reason)")
        try await refuse(header, problem, in: tx, logger: tx.logger)
    }

    private func refuse(_ header: EventHeader, _ problem: Problem, in tx: EventTransaction, logger: Logger) async throws
    {
        logger.notice("revoke command refused", metadata: ["code": "\(problem.code)"])
        try await CommandCaller.answer(CommandCaller.refusal(of: header, problem), in: tx)
    }

    private func revoke(
        _ command: RevokeCommand, realm: String, in store: PostgresCAGatewayTransaction, event tx: EventTransaction
    ) async throws -> RevokeCertificate.Outcome {
        if let violation = try TextRule.standard.violation(inEncoded: command) { throw violation.problem }
        let principal = try await caller.principal(token: command.token, in: tx)
        let authorization = try AccessPolicy.authorize(.revokeCertificate, principal: principal, realm: realm)
        let locator: CertificateLocator
        switch (command.serialNumber, command.request) {
        case (.some(let serial), nil): locator = try CertificateLocator.serial(parsing: serial)
        case (nil, .some(let request)): locator = .request(request)
        default:
            throw Problem.invalid("invalid-command", "name the certificate by exactly one of serialNumber and request")
        }
        let caller = RevocationCaller(
            subject: principal.subject,
            isRealmAdmin: principal.roles(in: authorization.realm).contains(Role.realmAdmin.rawValue))
        return try await revoke.revoke(
            locator, realm: authorization.realm, by: caller, reason: command.reason, comment: command.comment, in: store
        )
    }
}
