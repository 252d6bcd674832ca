import CLMContracts
import CLMServiceKit
import Testing

@testable import CAGateway

@Suite("CA gateway wiring")
struct CAGatewayWiringTests {
    static let handler: CAGatewayEventHandler = {
        let issuer = CAGatewayFixtures.issuer()
        let definition = CAGatewayModule.definition
        return CAGatewayEventHandler(
            record: RecordOrder(), onApproval: IssueOnApproval(issuer: issuer),
            onKey: IssueOnGeneratedKey(issuer: issuer),
            revokeCommands: RevokeCommandHandler(
                revoke: CAGatewayFixtures.revoke,
                caller: CommandCaller(
                    authenticator: CAGatewayFixtures.authenticator, members: RealmMembers(schema: definition.schema)),
                audit: AuditLog(service: definition.name, schema: definition.schema)),
            audit: AuditLog(service: definition.name, schema: definition.schema),
            readModels: RealmMembers(schema: definition.schema).routes)
    }()

    @Test("the handler routes its own events and the memberships, and consumes exactly their topics")
    func routesAndTopics() {
        #expect(
            Self.handler.routes.eventTypes == [
                .requestSubmitted, .requestApproved, .keyGenerated, .revokeCommand, .memberSnapshot,
            ])
        #expect(Self.handler.routes.topics == Set(CAGatewayModule.definition.consumes))
        #expect(CAGatewayModule.definition.consumes.count == 3)
    }

    @Test("an approval or a generated key seen again publishes the order's events again")
    func republishing() {
        #expect(Self.handler.republishOnRedelivery == [.requestApproved, .keyGenerated])
    }
}
