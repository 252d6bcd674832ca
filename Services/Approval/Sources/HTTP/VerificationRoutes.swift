import CLMContracts
import CLMServiceKit
import Foundation
import Hummingbird

/// `/v1/verify/:token`: the links mailed for e-mail verification. `GET` only shows what would
/// be confirmed (mail scanners prefetch links); `POST` confirms.
struct VerificationRoutes: Sendable {
    let confirmAddress: ConfirmAddress
    /// Verification-link calls per second for the whole process.
    let ratePerSecond: Int

    func add(to router: Router<ServiceRequestContext>) {
        // The links need no token, so they are what a guesser would hammer: bound the rate
        // for the whole process (each guess also has to hit one of 2^256 values).
        let limiter = RateLimiter(perSecond: ratePerSecond)
        router.get("v1/verify/:token") { request, ctx in
            guard limiter.admit() else { throw Self.tooMany }
            let view = try await confirmAddress.preview(token: try ctx.parameters.require("token"), logger: ctx.logger)
            return try VerificationPage.respond(view, request: request, confirmedNow: false)
        }
        router.post("v1/verify/:token") { request, ctx in
            guard limiter.admit() else { throw Self.tooMany }
            let view = try await confirmAddress.confirm(token: try ctx.parameters.require("token"), logger: ctx.logger)
            ctx.logger.notice("e-mail address confirmed", metadata: ["request.id": "\(view.request)"])
            return try VerificationPage.respond(view, request: request, confirmedNow: true)
        }
    }

    static let tooMany = Problem.rateLimited("too many verification attempts; retry shortly")
}
