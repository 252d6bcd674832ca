import CLMContracts
import CLMIdentity
import CLMServiceKit
import CLMStorage
import Foundation
import Logging

/// Submissions over the Kafka command topic, judged exactly like `POST …/requests`: the
/// caller's token is verified, the realm in the envelope is authorised like a path's (a realm
/// without a role answers `not-found`), and every command gets one `CommandResult`.
///
/// The token is never logged, stored or echoed, and a command is never dead-lettered (that
/// would copy its token to another topic): whatever is wrong with it becomes its answer.
struct CommandHandler: Sendable {
    let store: IntakeStore
    let audit: AuditLog
    let members: RealmMembers
    let authenticator: BearerAuthenticator

    func handle(_ event: IncomingEvent, in tx: EventTransaction) async throws {
        let realm = event.header.realm
        let commandID = event.header.id
        var logger = tx.logger
        logger[metadataKey: "realm"] = "\(realm)"
        logger[metadataKey: "command.id"] = "\(commandID)"
        let result: CommandResult
        do {
            let request = try await submit(event, realm: realm, in: tx)
            result = CommandResult(command: commandID, realm: realm, accepted: true, request: request)
            logger.info("command accepted", metadata: ["request.id": "\(request)"])
        } catch let error as APIError {
            result = CommandResult(
                command: commandID, realm: realm, accepted: false, code: error.code, reason: error.detail,
                violations: error.extensions["violations"])
            logger.notice("command refused", metadata: ["code": "\(error.code)"])
        }
        // Answered under the command's id, where the caller listens.
        let subject = commandID.uuidString.lowercased()
        let answerRealm = Identifier.isValid(realm) ? realm : AuditRecord.platformRealm
        try await tx.publish(tx.outbox.event(.commandResult, subject: subject, realm: answerRealm, data: result))
    }

    /// Records the request and returns its id (the original one for an idempotent retry).
    private func submit(_ event: IncomingEvent, realm: String, in tx: EventTransaction) async throws -> UUID {
        let command: SubmitCommand
        do {
            command = try event.decode(SubmitCommand.self).data
        } catch {
            throw APIError.badRequest("invalid-command", "the command does not match clm.request.submit.v1")
        }
        var principal: Principal
        do {
            principal = try await authenticator.authenticate(authorizationHeader: "Bearer \(command.token)")
        } catch let error as AuthenticationError {
            throw APIError(.unauthorized, code: "unauthenticated", detail: "\(error.reason) (\(error.code.rawValue))")
        }
        principal = principal.adding(
            realmRoles: try await members.roles(of: principal.subject, on: tx.connection, logger: tx.logger))
        _ = try AccessPolicy.authorize(.submitRequest, principal: principal, realm: realm)
        let body = SubmitRequest(
            policy: command.policy, policyVersion: command.policyVersion, entities: command.entities, csr: command.csr,
            keyGeneration: command.keyGeneration, validityDays: command.validityDays, keyPassword: command.keyPassword)
        let idempotencyKey = try Submission.idempotencyKey(command.idempotencyKey, requester: principal.subject)
        let key = try Submission.checkedKey(body)
        if let idempotencyKey,
            let existing = try await store.request(idempotencyKey: idempotencyKey, realm: realm, on: tx.connection, logger: tx.logger)
        {
            return existing
        }
        let (policyVersion, policy, entities) = try await Submission.lookUp(
            realm: realm, body: body, store: store, on: tx.connection, logger: tx.logger)
        let (submitted, note) = try Submission.judge(
            body, key: key, realm: realm, requester: principal.subject, policyVersion: policyVersion, policy: policy,
            entities: entities)
        guard
            try await Submission.record(
                submitted, validityNote: note, idempotencyKey: idempotencyKey, store: store, audit: audit, in: tx)
        else {
            // A retry with the same key, on another partition, won the race. Its insert has
            // committed by now (ours waited for it), and each statement sees what is committed:
            // answer with the winner, as HTTP does.
            if let idempotencyKey,
                let winner = try await store.request(idempotencyKey: idempotencyKey, realm: realm, on: tx.connection, logger: tx.logger)
            {
                return winner
            }
            throw APIError.conflict("duplicate", "a request with this idempotency key was recorded concurrently; retry")
        }
        return submitted.request
    }
}
