import CLMContracts
import CLMIdentity
import CLMStorage
import Foundation
import Logging
import PostgresNIO

/// What every command-topic handler does around judging a command: the caller's token verified
/// exactly as the API verifies a bearer header (with the registry's memberships added), and the
/// command's one `CommandResult` published under its id, where the caller listens.
public struct CommandCaller: Sendable {
    let authenticator: BearerAuthenticator
    let members: RealmMembers

    public init(authenticator: BearerAuthenticator, members: RealmMembers) {
        self.authenticator = authenticator
        self.members = members
    }

    /// The principal of `token`, or the problem the API would answer: `unauthenticated`, or
    /// `unavailable` while the identity provider's keys cannot be had. The token is never logged.
    public func principal(token: String, in tx: EventTransaction) async throws -> Principal {
        let principal: Principal
        do {
            principal = try await authenticator.authenticate(authorizationHeader: "Bearer \(token)")
        } catch let error as AuthenticationError {
            throw Problem(.unauthenticated, code: "unauthenticated", detail: "\(error.reason) (\(error.code.rawValue))")
        } catch {
            throw Problem.unavailable(
                "the token cannot be verified now (the identity provider's keys are unavailable); retry")
        }
        return principal.adding(
            realmRoles: try await members.roles(of: principal.subject, on: tx.connection, logger: tx.logger))
    }

    /// Publishes `result` keyed by the command's id (under the platform realm when the command
    /// named no valid realm).
    public static func answer(_ result: CommandResult, in tx: EventTransaction) async throws {
        let realm = Identifier.isValid(result.realm) ? result.realm : AuditRecord.platformRealm
        try await tx.publish(result, about: result.command, realm: realm)
    }

    /// The refusal of command `header` for `problem`: its code, reason and violations.
    public static func refusal(of header: EventHeader, _ problem: Problem) -> CommandResult {
        CommandResult(
            command: header.id, realm: header.realm, accepted: false, code: problem.code, reason: problem.detail,
            violations: problem.violations.isEmpty ? nil : problem.violations)
    }
}
