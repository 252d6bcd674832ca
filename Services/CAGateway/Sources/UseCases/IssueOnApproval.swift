import CLMContracts
import CLMStorage
import Foundation

/// Issues for an approved request, or, for a server-side key, makes the order wait for the
/// key (`IssueOnGeneratedKey` issues then).
struct IssueOnApproval: Sendable {
    let issuer: IssueCertificate

    func callAsFunction(_ approved: RequestApproved, in tx: any CAGatewayTransaction) async throws {
        let order = try await tx.requireOrder(approved.request, realm: approved.realm, for: RequestApproved.self)
        try await issuer.advance(order, by: order.onApproval(), in: tx)
    }
}

/// Issues for a server-side request once keygen generated its key.
struct IssueOnGeneratedKey: Sendable {
    let issuer: IssueCertificate

    func callAsFunction(_ generated: KeyGenerated, in tx: any CAGatewayTransaction) async throws {
        let order = try await tx.requireOrder(generated.request, realm: generated.realm, for: KeyGenerated.self)
        try await issuer.advance(order, by: order.onKeyGenerated(generated), in: tx)
    }
}

extension CAGatewayTransaction {
    /// The request's order, locked. An event about a request whose submission the gateway has
    /// not seen is deferred, not refused: after a broker lost its log, the services publish
    /// their events again in no common order, so an approval can arrive before the submission
    /// it follows. Refused, its id would stay in the inbox and the copy a re-drive sends later
    /// would be dropped as a duplicate, leaving the request approved and never issued
    /// (the chaos test caught it); deferred, that copy is applied once the submission is known.
    func requireOrder<P: EventPayload>(_ request: UUID, realm: String, for _: P.Type) async throws -> CAOrder {
        guard let order = try await lockOrder(request: request, realm: realm) else {
            throw EventDeferral(
                reason: "\(P.eventType.rawValue) for request \(request) without a known submission yet")
        }
        return order
    }
}

extension IssueCertificate {
    /// Carries out `step` for `order`. A step the event contradicts is a `refused` problem,
    /// which the event adapter sets aside.
    func advance(_ order: CAOrder, by step: OrderStep, in tx: any CAGatewayTransaction) async throws {
        switch step {
        case .replay(let state):
            // Already issued, retrying, failed or waiting for its key: published before.
            tx.logger.info("order already \(state.rawValue); replay ignored")
        case .reject(let reason):
            throw Problem.refused("order-mismatch", reason)
        case .awaitKey:
            try await tx.save(order.checked(.awaitKey), of: order)
        case .issue(let submitted):
            try await attempt(submitted, of: order, in: tx)
        }
    }
}
