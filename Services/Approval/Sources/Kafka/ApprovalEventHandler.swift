import CLMContracts
import CLMStorage
import Foundation
import Logging
import PostgresNIO

/// Starts each submitted request's workflow, as the policy version it was judged under says:
/// automatic approval at once, or a wait for e-mail confirmations or approvers.
struct ApprovalEventHandler: EventHandler {
    /// Nudges the mailer when a verification mail is due.
    let mailDue: @Sendable () -> Void

    var eventTypes: Set<String> { [EventType.requestSubmitted.rawValue] }
    /// A re-driven submission gets the decision (or the wait) published again.
    var republishOnRedelivery: Set<String> { [EventType.requestSubmitted.rawValue] }

    func handle(_ event: IncomingEvent, in tx: EventTransaction) async throws {
        let submitted = try event.decode(RequestSubmitted.self).data
        let approval = submitted.approval
        let state: RequestState
        let required: Int
        switch approval.mode {
        case .automatic:
            state = .approved
            required = 0
        case .email:
            state = .awaitingVerification
            required = submitted.verificationEmails?.count ?? 0
            guard required > 0 else {
                throw EventRejection(reason: "request \(submitted.request) asks for e-mail verification without addresses")
            }
        case .manual:
            state = .awaitingApproval
            required = approval.approvers ?? 2
        }
        let expiresAt = approval.waitSeconds.map { Date().addingTimeInterval(TimeInterval($0)) }
        let body = try JSONColumn.encode(submitted)
        let automaticReason = "policy \(submitted.policy) v\(submitted.policyVersion) approves automatically"
        let inserted = try await tx.connection.query(
            """
            INSERT INTO approval.decisions
                (request_id, realm, policy, policy_version, mode, state, decided_by, reason, requester, required,
                 expires_at, submitted)
            VALUES (\(submitted.request), \(submitted.realm), \(submitted.policy), \(submitted.policyVersion),
                    \(approval.mode.rawValue), \(state.rawValue),
                    \(state == .approved ? "system:automatic" : nil as String?),
                    \(state == .approved ? automaticReason : nil as String?), \(submitted.requester), \(required),
                    \(expiresAt), \(body)::jsonb)
            ON CONFLICT (request_id) DO NOTHING RETURNING request_id
            """, logger: tx.logger
        ).collectAll()
        guard !inserted.isEmpty else { return }  // a replayed submission

        let subject = event.header.subject
        switch approval.mode {
        case .automatic:
            try await tx.publish(
                tx.outbox.event(
                    .requestApproved, subject: subject, realm: submitted.realm,
                    data: RequestApproved(
                        request: submitted.request, realm: submitted.realm, approvedBy: ["system:automatic"],
                        reason: automaticReason),
                    traceparent: event.header.traceparent))
            tx.logger.info("request approved automatically")
        case .email:
            for email in submitted.verificationEmails ?? [] {
                try await tx.connection.query(
                    """
                    INSERT INTO approval.verifications (request_id, email) VALUES (\(submitted.request), \(email))
                    ON CONFLICT DO NOTHING
                    """, logger: tx.logger)
            }
            let addresses = (submitted.verificationEmails ?? []).joined(separator: ", ")
            try await tx.publish(
                tx.outbox.event(
                    .requestAwaiting, subject: subject, realm: submitted.realm,
                    data: RequestAwaiting(
                        request: submitted.request, realm: submitted.realm, state: .awaitingVerification,
                        required: required, received: [], expiresAt: expiresAt ?? Date(),
                        reason: "waiting for e-mail verification by \(addresses); the link works until "
                            + ContractCoding.formatTimestamp(expiresAt ?? Date())),
                    traceparent: event.header.traceparent))
            mailDue()
        case .manual:
            try await tx.publish(
                tx.outbox.event(
                    .requestAwaiting, subject: subject, realm: submitted.realm,
                    data: RequestAwaiting(
                        request: submitted.request, realm: submitted.realm, state: .awaitingApproval,
                        required: required, received: [], expiresAt: expiresAt ?? Date(),
                        reason: "waiting for \(required) approval\(required == 1 ? "" : "s") by approvers of realm "
                            + "\(submitted.realm) other than the requester"),
                    traceparent: event.header.traceparent))
        }
    }
}
