import CLMContracts
import Foundation

/// A preview: the policy's judgement of a request as it stands, by the planner submission
/// uses, returned instead of thrown. Pure.
enum PreviewRules {
    static func preview(
        _ body: SubmitRequestBody, key: SubmissionRules.Key?, policyVersion: Int, policy: PolicyDocument,
        entities: [EndEntity], on date: Date = Date()
    ) -> RequestPreview {
        var violations: [PolicyViolation] = []
        var plan: RequestPlan?
        switch RequestPlanner.plan(
            policy: policy, entities: entities, key: key?.description, suggestedValidityDays: body.validityDays,
            on: date)
        {
        case .success(let value): plan = value
        case .failure(let found): violations = found.items
        }
        violations += SubmissionRules.missingAddresses(policy: policy, entities: entities)
        return RequestPreview(
            acceptable: violations.isEmpty, policy: policy.id, policyVersion: policyVersion,
            violations: violations.map { RequestPreview.Violation(attribute: $0.attribute, rule: $0.rule) },
            subject: plan?.subject ?? [], alternativeNames: plan?.alternativeNames ?? [],
            validityDays: plan?.validityDays, validityNote: plan?.validityNote, approval: policy.approval,
            key: key.map { RequestPreview.Key(source: $0.source, description: $0.description.label) },
            csr: key.flatMap { key in
                key.source == .csr
                    ? RequestPreview.CSR(publicKey: key.description.label, discarded: key.discarded) : nil
            })
    }
}
