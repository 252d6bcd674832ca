import CLMContracts
import Foundation
import Logging

/// What approvers see: the requests of a realm by state, and one request's decision.
struct ViewApprovals: Sendable {
    let storage: any ApprovalStorage

    /// `filter`: `pending` (the default: waiting for anyone), `all`, or one request state.
    func list(realm: String, filter: String?, limit: Int?, logger: Logger) async throws -> [Decision] {
        let states = try Self.states(filter ?? "pending")
        let limit = min(max(limit ?? 100, 1), 1000)
        return try await storage.read(logger: logger) {
            try await $0.decisions(realm: realm, states: states, limit: limit)
        }
    }

    func show(_ id: UUID, realm: String, logger: Logger) async throws -> Decision {
        guard let decision = try await storage.read(logger: logger, { try await $0.decision(id, realm: realm) }) else {
            throw Problem.notFound("approval of request \(id)")
        }
        return decision
    }

    static func states(_ filter: String) throws(Problem) -> [RequestState] {
        switch filter {
        case "pending": return [.awaitingApproval, .awaitingVerification]
        case "all": return RequestState.allCases
        default:
            guard let state = RequestState(rawValue: filter) else {
                throw Problem.invalid("invalid-query", "state: pending, all, or a request state")
            }
            return [state]
        }
    }
}
