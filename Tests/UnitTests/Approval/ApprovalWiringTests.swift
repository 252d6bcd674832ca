import CLMContracts
import CLMServiceKit
import Testing

@testable import Approval

@Suite("Approval: wiring")
struct ApprovalWiringTests {
    @Test("the definition consumes exactly the topics the handler routes: submissions, expiry warnings, memberships")
    func topics() {
        let handler = ApprovalEventHandler(
            start: StartWorkflow(), audit: AuditLog(service: "approval", schema: "approval"),
            readModel: RealmMembers(schema: "approval").routes, mailDue: {})
        #expect(Set(ApprovalModule.definition.consumes) == handler.routes.topics)
        #expect(handler.routes.eventTypes == [.requestSubmitted, .certificateExpiring, .memberSnapshot])
        #expect(Set(ApprovalModule.definition.consumes) == [.requestEvents, .registry, .lifecycle])
        #expect(handler.republishOnRedelivery == [.requestSubmitted])
    }

    @Test("a claimed mail's lease outlasts the round that claimed it")
    func lease() throws {
        let settings = try ApprovalSettings.fromEnvironment(["CLM_SMTP_TIMEOUT_SECONDS": "45"])
        #expect(settings.mailRoundTimeout > settings.smtp.timeout)
        #expect(settings.mailLease > settings.mailRoundTimeout)
    }
}
