import CLMContracts
import Foundation
import Logging

/// An address's answer to its verification link. Showing a link changes nothing (mail
/// scanners prefetch links); confirming it counts the address, and the last address to
/// confirm approves the request.
struct ConfirmAddress: Sendable {
    let storage: any ApprovalStorage

    static let unknownLink = Problem(
        .notFound, code: "unknown-link", detail: "this verification link is not valid; check that it was copied whole")

    /// What confirming the link would confirm.
    func preview(token: String, logger: Logger, now: Date = Date()) async throws -> LinkView {
        let hash = try Self.hash(token)
        return try Self.usable(try await storage.read(logger: logger) { try await $0.link(hash) }, now: now)
    }

    /// Confirms the link's address; approves the request when it was the last one.
    func confirm(token: String, logger: Logger, now: Date = Date()) async throws -> LinkView {
        let hash = try Self.hash(token)
        return try await storage.transaction(logger: logger) { tx in
            var view = try Self.usable(try await tx.lockLink(hash), now: now)
            try await tx.confirm(hash)
            view.confirmed = true
            let progress = try await tx.addresses(of: view.request)
            let confirmed = progress.filter(\.confirmed).map { "email:\($0.email)" }
            try await tx.audit(
                realm: view.realm, actor: "email:\(view.email)", action: "email.confirmed",
                target: view.request.lowercasedString, details: "")
            if confirmed.count == progress.count {
                let reason = "e-mail verified by \(progress.map(\.email).joined(separator: ", "))"
                try await tx.decide(
                    view.request, state: .approved, by: confirmed.joined(separator: ", "), reason: reason)
                try await tx.publish(
                    RequestApproved(request: view.request, realm: view.realm, approvedBy: confirmed, reason: reason),
                    about: view.request, realm: view.realm)
            } else {
                try await tx.publish(
                    RequestAwaiting(
                        request: view.request, realm: view.realm, state: .awaitingVerification,
                        required: progress.count, received: confirmed, expiresAt: view.expiresAt ?? now,
                        reason: "\(view.email) confirmed (\(confirmed.count) of \(progress.count))"),
                    about: view.request, realm: view.realm)
            }
            return view
        }
    }

    /// A malformed token is just not found, like an unknown one.
    static func hash(_ token: String) throws(Problem) -> [UInt8] {
        guard let hash = VerificationToken.hash(ofLink: token) else { throw unknownLink }
        return hash
    }

    /// The link's view, refusing used links and requests that stopped waiting.
    static func usable(_ record: LinkRecord?, now: Date) throws(Problem) -> LinkView {
        guard let record else { throw unknownLink }
        if record.state == .confirmed { throw Problem.gone("link-used", "this verification link was used already") }
        if record.requestState != .awaitingVerification {
            throw Problem.gone(
                "link-expired", "the request is \(record.requestState.rawValue); it no longer waits for verification")
        }
        if let expiresAt = record.expiresAt, expiresAt <= now {
            throw Problem.gone("link-expired", "this verification link expired")
        }
        // A token of a send that failed was never known to reach anyone.
        guard record.state.canTransition(to: .confirmed) else { throw unknownLink }
        let submitted = record.submitted
        return LinkView(
            request: record.request, realm: submitted.realm, email: record.email, policy: submitted.policy,
            requester: submitted.requester, subject: submitted.subject, alternativeNames: submitted.alternativeNames,
            expiresAt: record.expiresAt, confirmed: false)
    }
}
