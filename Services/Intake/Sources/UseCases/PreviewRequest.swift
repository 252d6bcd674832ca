import CLMContracts
import CLMStorage
import Foundation
import Logging

/// `POST …/requests/preview`: what the policy would say of this request now, by the rules and
/// read model a submission uses. Stores and publishes nothing.
struct PreviewRequest: Sendable {
    let submit: SubmitRequest

    func callAsFunction(
        realm: String, body: SubmitRequestBody, database: some DatabaseAccess, logger: Logger
    ) async throws -> RequestPreview {
        let key = try SubmissionRules.checkedKey(body, preview: true)
        let catalogue = try await submit.lookUp(
            realm: realm, body: body, grace: .zero, database: database, logger: logger)
        return PreviewRules.preview(
            body, key: key, policyVersion: catalogue.version, policy: catalogue.policy, entities: catalogue.entities)
    }
}
