import CLMContracts
import CLMServiceKit
import Foundation
import Hummingbird

/// `/v1/realms/:realm/approvals`: approvers list waiting requests, look at one, and vote.
struct ApprovalRoutes: Sendable {
    let view: ViewApprovals
    let castVote: CastVote

    func add(to router: Router<ServiceRequestContext>) {
        let approvals = router.group("v1/realms/:realm/approvals")
        approvals.get { request, ctx in
            let realm = try ctx.authorize(.listApprovals).realm
            return JSONResponse(
                try await view.list(
                    realm: realm, filter: request.uri.queryParameters.get("state"),
                    limit: request.uri.queryParameters.get("limit", as: Int.self), logger: ctx.logger))
        }
        approvals.get(":id") { _, ctx in
            let realm = try ctx.authorize(.listApprovals).realm
            return JSONResponse(try await view.show(try Self.requestID(ctx), realm: realm, logger: ctx.logger))
        }
        // The caller is judged before the body is read: a stranger learns nothing from a 400.
        approvals.post(":id/approve") { request, ctx in
            let access = try ctx.authorize(.decideApproval)
            let body = try await request.decodeJSON(ApproveBody.self, limit: 8 * 1024)
            try CastVote.checkText(body.comment, field: "comment", required: false)
            return try await vote(.approve, comment: body.comment, access, ctx)
        }
        approvals.post(":id/decline") { request, ctx in
            let access = try ctx.authorize(.decideApproval)
            let body = try await request.decodeJSON(DeclineBody.self, limit: 8 * 1024)
            try CastVote.checkText(body.reason, field: "reason", required: true)
            return try await vote(.decline, comment: body.reason, access, ctx)
        }
    }

    private func vote(
        _ vote: ApprovalRules.Vote, comment: String?, _ access: Authorization, _ ctx: ServiceRequestContext
    ) async throws -> JSONResponse<Decision> {
        let id = try Self.requestID(ctx)
        var logger = ctx.logger
        logger[metadataKey: "realm"] = "\(access.realm)"
        logger[metadataKey: "request.id"] = "\(id)"
        let decision = try await castVote.vote(
            vote, on: id, realm: access.realm, by: access.subject, comment: comment, logger: logger)
        logger.notice("approval vote recorded", metadata: ["vote": "\(vote.rawValue)", "voter": "\(access.subject)"])
        return JSONResponse(decision)
    }

    /// An id that is not a UUID names no approval.
    static func requestID(_ ctx: ServiceRequestContext) throws -> UUID {
        let text = try ctx.parameters.require("id")
        guard let id = UUID(uuidString: text) else { throw Problem.notFound("approval of request '\(text)'") }
        return id
    }
}
