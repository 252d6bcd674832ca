import CLMContracts
import CLMCrypto
import CLMServiceKit
import Testing

@testable import Keygen

/// Keygen's definition lists exactly the topics its handler's routes need.
@Suite("Keygen: wiring")
struct KeygenWiringTests {
    @Test("keygen: the registry read model, the request events and the revocations it acts on")
    func keygen() throws {
        let ring = try KeyRing(current: try KeyEncryptionKey.generate(id: "kek-1"))
        let handler = KeygenEventHandler(
            audit: AuditLog(service: "keygen", schema: "keygen"), generate: GenerateKey(keys: ring),
            members: RealmMembers(schema: "keygen"))
        #expect(Set(KeygenModule.definition.consumes) == handler.routes.topics)
        #expect(Set(KeygenModule.definition.consumes) == [.requestEvents, .registry, .lifecycle])
        #expect(
            handler.routes.eventTypes == [
                .requestSubmitted, .requestApproved, .certificateIssued, .requestFailed, .certificateRevoked,
                .memberSnapshot,
            ])
        #expect(handler.republishOnRedelivery == [.requestApproved])
    }
}
