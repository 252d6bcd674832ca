import CLMContracts
import CLMServiceKit
import CLMStorage
import Foundation
import Hummingbird
import Logging
import PostgresNIO
import ServiceLifecycle

/// Runs each request's approval workflow as the policy version it was submitted under says:
/// automatic, e-mail verification (a single-use link mailed over SMTP) or manual approval by
/// N distinct approvers other than the requester. Unanswered requests expire.
public struct ApprovalModule: ServiceModule {
    public static let definition = ServiceDefinition(
        name: "approval", schema: "approval", defaultPort: 8083, migrations: ApprovalMigrations.all,
        consumes: [.requestEvents])

    let context: ServiceContext
    let settings: ApprovalSettings
    let store = ApprovalStore()
    let verification: EmailVerification

    public static func make(context: ServiceContext) async throws -> ApprovalModule {
        let settings = try ApprovalSettings.fromEnvironment(context.configuration.environment)
        return ApprovalModule(
            context: context, settings: settings,
            verification: EmailVerification(context: context, settings: settings))
    }

    public var eventHandler: (any EventHandler)? {
        let wake = verification.mailDue
        return ApprovalEventHandler(mailDue: { wake.signal() })
    }

    public var services: [any Service] {
        [
            verification.mailer(),
            PeriodicTask(name: "approval expiry sweep", interval: settings.sweepInterval, logger: context.logger) {
                [context] in try await ExpirySweep.run(context: context)
            },
        ]
    }

    struct ApproveBody: Decodable { var comment: String? }
    struct DeclineBody: Decodable { var reason: String }

    public func addRoutes(to router: Router<ServiceRequestContext>) {
        let approvals = router.group("v1/realms/:realm/approvals")
        approvals.get { request, ctx in
            let realm = try ctx.authorize(.listApprovals).realm
            let filter = request.uri.queryParameters.get("state") ?? "pending"
            let states: [String]
            switch filter {
            case "pending": states = [RequestState.awaitingApproval.rawValue, RequestState.awaitingVerification.rawValue]
            case "all": states = RequestState.allCases.map(\.rawValue)
            default:
                guard let state = RequestState(rawValue: filter) else {
                    throw APIError.badRequest("invalid-query", "state: pending, all, or a request state")
                }
                states = [state.rawValue]
            }
            let limit = min(max(request.uri.queryParameters.get("limit", as: Int.self) ?? 100, 1), 1000)
            return JSONResponse(
                try await context.read {
                    try await store.list(realm: realm, states: states, limit: limit, on: $0, logger: ctx.logger)
                })
        }
        approvals.get(":id") { _, ctx in
            let realm = try ctx.authorize(.listApprovals).realm
            let id = try requestID(ctx)
            guard
                let view = try await context.read({
                    try await store.decision(id, realm: realm, forUpdate: false, on: $0, logger: ctx.logger)
                })
            else { throw APIError.notFound("approval of request \(id)") }
            return JSONResponse(view)
        }
        approvals.post(":id/approve") { request, ctx in
            let body = try await request.decodeJSON(ApproveBody.self, limit: 8 * 1024)
            try Self.checkText(body.comment, field: "comment", required: false)
            return try await vote(.approve, comment: body.comment, ctx)
        }
        approvals.post(":id/decline") { request, ctx in
            let body = try await request.decodeJSON(DeclineBody.self, limit: 8 * 1024)
            try Self.checkText(body.reason, field: "reason", required: true)
            return try await vote(.decline, comment: body.reason, ctx)
        }
        verification.addRoutes(to: router)
    }

    static func checkText(_ text: String?, field: String, required: Bool) throws {
        let trimmed = text?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
        if required && trimmed.isEmpty {
            throw APIError.badRequest("missing-field", "\(field): say why (1...1000 characters)")
        }
        if trimmed.count > 1000 { throw APIError.badRequest("invalid-field", "\(field): at most 1000 characters") }
    }

    private func requestID(_ ctx: ServiceRequestContext) throws -> UUID {
        let text = try ctx.parameters.require("id")
        guard let id = UUID(uuidString: text) else { throw APIError.notFound("approval of request '\(text)'") }
        return id
    }

    /// Records an approver's vote and, when it settles the request, publishes the outcome in
    /// the same transaction.
    private func vote(_ vote: ApprovalRules.Vote, comment: String?, _ ctx: ServiceRequestContext) async throws
        -> JSONResponse<ApprovalStore.DecisionView>
    {
        let access = try ctx.authorize(.decideApproval)
        let realm = access.realm
        let id = try requestID(ctx)
        var logger = ctx.logger
        logger[metadataKey: "realm"] = "\(realm)"
        logger[metadataKey: "request.id"] = "\(id)"
        let voter = access.subject
        let view = try await context.transaction(logger: logger) { tx -> ApprovalStore.DecisionView in
            guard let decision = try await store.decision(id, realm: realm, forUpdate: true, on: tx.connection, logger: tx.logger)
            else { throw APIError.notFound("approval of request \(id)") }
            let waiting = ApprovalRules.Waiting(
                state: RequestState(rawValue: decision.state) ?? .failed, requester: decision.requester,
                required: decision.required, approvals: decision.votes.filter { $0.vote == "approve" }.map(\.voter),
                expiresAt: decision.expiresAt ?? .distantFuture)
            let outcome: ApprovalRules.Outcome
            switch ApprovalRules.apply(vote, by: voter, to: waiting, now: Date()) {
            case .success(let value): outcome = value
            case .failure(.selfApproval):
                throw APIError(
                    .forbidden, code: "self-approval", detail: "the requester cannot approve their own request")
            case .failure(.alreadyApproved):
                throw APIError.conflict("already-approved", "\(voter) already approved request \(id)")
            case .failure(.expired):
                throw APIError.conflict("expired", "request \(id) waited past its deadline and expires")
            case .failure(.notWaiting(let state)):
                throw APIError.conflict(
                    "not-awaiting-approval", "request \(id) is \(state.rawValue); it does not wait for approvers")
            }
            try await store.recordVote(id, voter: voter, vote: vote, comment: comment, on: tx.connection, logger: tx.logger)
            let subject = id.uuidString.lowercased()
            try await context.audit.append(
                realm: realm, actor: voter, action: vote == .approve ? "approval.approved" : "approval.declined",
                target: subject, details: comment ?? "", in: tx)
            switch outcome {
            case .declined:
                let reason = comment ?? "declined"
                try await store.decide(id, state: .declined, by: voter, reason: reason, on: tx.connection, logger: tx.logger)
                try await tx.publish(
                    tx.outbox.event(
                        .requestDeclined, subject: subject, realm: realm,
                        data: RequestDeclined(request: id, realm: realm, declinedBy: voter, reason: reason)))
            case .approved(let approvers):
                let reason = "approved by \(approvers.joined(separator: ", ")) (\(approvers.count) of \(decision.required))"
                try await store.decide(
                    id, state: .approved, by: approvers.joined(separator: ", "), reason: reason, on: tx.connection,
                    logger: tx.logger)
                try await tx.publish(
                    tx.outbox.event(
                        .requestApproved, subject: subject, realm: realm,
                        data: RequestApproved(request: id, realm: realm, approvedBy: approvers, reason: reason)))
            case .recorded(let approvals):
                try await tx.publish(
                    tx.outbox.event(
                        .requestAwaiting, subject: subject, realm: realm,
                        data: RequestAwaiting(
                            request: id, realm: realm, state: .awaitingApproval, required: decision.required,
                            received: approvals, expiresAt: waiting.expiresAt,
                            reason: "approved by \(voter) (\(approvals.count) of \(decision.required))")))
            }
            guard let updated = try await store.decision(id, realm: realm, forUpdate: false, on: tx.connection, logger: tx.logger)
            else { throw APIError.notFound("approval of request \(id)") }
            return updated
        }
        logger.notice("approval vote recorded", metadata: ["vote": "\(vote.rawValue)", "voter": "\(voter)"])
        return JSONResponse(view)
    }
}

/// Ends waits nobody answered in time.
enum ExpirySweep {
    static func run(context: ServiceContext) async throws {
        guard context.database.isAvailable else { return }
        let expired = try await context.transaction { tx in
            let rows = try await tx.connection.query(
                """
                SELECT request_id, realm, mode, required,
                       (SELECT count(*)::int FROM approval.votes v WHERE v.request_id = d.request_id AND v.vote = 'approve'),
                       (SELECT count(*)::int FROM approval.verifications e
                        WHERE e.request_id = d.request_id AND e.confirmed_at IS NOT NULL)
                FROM approval.decisions d
                WHERE state IN ('awaiting_approval', 'awaiting_verification') AND expires_at <= now()
                ORDER BY expires_at LIMIT 100 FOR UPDATE SKIP LOCKED
                """, logger: tx.logger
            ).decode((UUID, String, String, Int, Int, Int).self).collectAll()
            for (id, realm, mode, required, approvals, confirmations) in rows {
                let reason =
                    mode == "email"
                    ? "expired: e-mail verification not completed in time (\(confirmations) of \(required) confirmed)"
                    : "expired: not approved in time (\(approvals) of \(required) approvals)"
                try await tx.connection.query(
                    """
                    UPDATE approval.decisions SET state = 'expired', decided_by = 'system:expiry', reason = \(reason)
                    WHERE request_id = \(id)
                    """, logger: tx.logger)
                try await context.audit.append(
                    realm: realm, actor: "system:expiry", action: "request.expired", target: id.uuidString.lowercased(),
                    details: reason, in: tx)
                try await tx.publish(
                    tx.outbox.event(
                        .requestExpired, subject: id.uuidString.lowercased(), realm: realm,
                        data: RequestExpired(request: id, realm: realm, reason: reason)))
            }
            return rows.count
        }
        if expired > 0 { context.logger.notice("requests expired", metadata: ["count": "\(expired)"]) }
    }
}
