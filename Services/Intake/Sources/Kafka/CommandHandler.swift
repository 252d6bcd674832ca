import CLMContracts
import CLMIdentity
import CLMServiceKit
import CLMStorage
import Foundation
import Logging

/// Submissions over the Kafka command topic, judged by the same `SubmitRequest` as
/// `POST …/requests`: its fields are held to the rule for text of every HTTP body (`TextRule`,
/// `invalid-text`), the caller's token is verified, the realm in the envelope is authorised
/// like a path's (a realm without a role answers `not-found`), and every command gets exactly
/// one `CommandResult` — also one that fails its schema or cannot be judged (`refuse`).
///
/// The token is never logged, stored or echoed; a rejected command's dead-letter copy has it
/// replaced (`SubmitCommand.secretFields`).
struct CommandHandler: Sendable {
    let submit: SubmitRequest
    let caller: CommandCaller

    func handle(_ event: ReceivedEvent<SubmitCommand>, in tx: EventTransaction) async throws {
        var logger = tx.logger
        logger[metadataKey: "realm"] = "\(event.header.realm)"
        logger[metadataKey: "command.id"] = "\(event.header.id)"
        do {
            let request = try await submit(event.data, realm: event.header.realm, in: tx, logger: logger)
            logger.info("command accepted", metadata: ["request.id": "\(request)"])
            try await CommandCaller.answer(
                CommandResult(command: event.header.id, realm: event.header.realm, accepted: true, request: request),
                in: tx)
        } catch let problem as Problem {
            try await refuse(event.header, problem, in: tx, logger: logger)
        }
    }

    /// Answers a command that could not be processed at all (schema, payload).
    func refuse(_ header: EventHeader, reason: String, in tx: EventTransaction) async throws {
        let problem = Problem.invalid(
            "invalid-command", "the command does not match \(EventType.submitCommand.rawValue): \(reason)")
        try await refuse(header, problem, in: tx, logger: tx.logger)
    }

    private func refuse(_ header: EventHeader, _ problem: Problem, in tx: EventTransaction, logger: Logger) async throws
    {
        logger.notice("command refused", metadata: ["code": "\(problem.code)"])
        try await CommandCaller.answer(CommandCaller.refusal(of: header, problem), in: tx)
    }

    /// Records the request and returns its id (the original one for an idempotent retry).
    private func submit(_ command: SubmitCommand, realm: String, in tx: EventTransaction, logger: Logger) async throws
        -> UUID
    {
        if let violation = try TextRule.standard.violation(inEncoded: command) { throw violation.problem }
        let principal = try await caller.principal(token: command.token, in: tx)
        _ = try AccessPolicy.authorize(.submitRequest, principal: principal, realm: realm)
        let body = SubmitRequestBody(
            policy: command.policy, policyVersion: command.policyVersion, entities: command.entities, csr: command.csr,
            keyGeneration: command.keyGeneration, validityDays: command.validityDays, keyPassword: command.keyPassword)
        return try await submit(
            .init(realm: realm, requester: principal.subject, body: body, idempotencyKey: command.idempotencyKey),
            database: tx, logger: logger
        ).request
    }
}
