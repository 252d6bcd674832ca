import CLMContracts
import CLMIdentity
import CLMServiceKit
import CLMStorage
import Foundation
import Testing

@testable import Intake

/// A service's definition lists exactly the topics its handler's routes need: nothing
/// subscribed that nothing handles, nothing handled that is never received.
@Suite("Service wiring")
struct ServiceWiringTests {
    static let authenticator = BearerAuthenticator(
        verifier: TokenVerifier(issuer: "clm-dev", audience: "clm"),
        keys: KeySetCache(url: URL(fileURLWithPath: "/nonexistent")))

    static func check(_ definition: ServiceDefinition, _ handler: any EventHandler) {
        #expect(Set(definition.consumes) == handler.routes.topics, "\(definition.name)")
        #expect(handler.republishOnRedelivery.isSubset(of: handler.routes.eventTypes), "\(definition.name)")
    }

    @Test("intake: the registry read model, the workflow's events and the commands")
    func intake() {
        let store = IntakeStore()
        let members = RealmMembers(schema: "intake")
        let submit = SubmitRequest(store: store, audit: AuditLog(service: "intake", schema: "intake"))
        let handler = IntakeEventHandler(
            store: store, track: TrackRequest(store: store),
            commands: CommandHandler(
                submit: submit, caller: CommandCaller(authenticator: Self.authenticator, members: members)),
            members: members)
        Self.check(IntakeModule.definition, handler)
        #expect(handler.routes.eventTypes.contains(.memberSnapshot))
        #expect(handler.routes.eventTypes.contains(.submitCommand))
    }
}
