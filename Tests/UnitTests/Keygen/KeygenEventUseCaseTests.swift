import CLMContracts
import CLMCrypto
import Foundation
import Testing

@testable import Keygen

@Suite("Keygen: event use cases")
struct KeygenEventUseCaseTests {
    static let realm = "r1"

    static func submitted(_ id: UUID, source: KeySource, spec: String? = "ec:P-256", retention: Int? = nil)
        -> RequestSubmitted
    {
        RequestSubmitted(
            request: id, realm: realm, requester: "alice@test.example", policy: "web-server", policyVersion: 1,
            ca: "default", approval: PolicyDocument.Approval(mode: .automatic),
            subject: [.init(type: "CN", value: "www.test.example")], alternativeNames: [],
            keySource: source, publicKey: nil, keySpec: spec, validityDays: 90, keyUsage: ["digitalSignature"],
            extendedKeyUsage: ["serverAuth"], submittedAt: Date(), keyRetentionSeconds: retention,
            keyPasswordVerifier: "verifier-text")
    }

    static func inTransaction(_ store: FakeKeygenStore, _ body: (any KeygenTransaction) async throws -> Void)
        async throws
    {
        try await store.transaction(logger: store.logger) { tx in try await body(tx) }
    }

    @Test("a server-side submission records its order, with the default retention when the policy has none")
    func recordOrder() async throws {
        let store = FakeKeygenStore()
        let (server, csr, kept) = (UUID(), UUID(), UUID())
        try await Self.inTransaction(store) { tx in
            try await RecordKeyOrder().execute(Self.submitted(server, source: .server), in: tx)
            try await RecordKeyOrder().execute(Self.submitted(csr, source: .csr, spec: nil), in: tx)
            try await RecordKeyOrder().execute(Self.submitted(kept, source: .server, retention: 10), in: tx)
        }
        let orders = await store.tables.orders
        #expect(orders.count == 2 && orders[csr] == nil)
        #expect(orders[server]?.retentionSeconds == DurationText.seconds(PolicyDocument.defaultKeyRetention))
        #expect(orders[server]?.passwordVerifier == "verifier-text" && orders[server]?.keySpec == "ec:P-256")
        #expect(orders[kept]?.retentionSeconds == 10)
    }

    @Test("an approval generates the key once, sealed to its request, and publishes only the public key")
    func generate() async throws {
        let store = FakeKeygenStore()
        let ring = try KeyRing(current: try KeyEncryptionKey.generate(id: "kek-1"))
        let id = UUID()
        let approved = RequestApproved(request: id, realm: Self.realm, approvedBy: ["system"], reason: "automatic")
        try await Self.inTransaction(store) { tx in
            // Before its order (a CSR request) there is nothing to generate.
            try await GenerateKey(keys: ring).execute(approved, in: tx)
            try await RecordKeyOrder().execute(Self.submitted(id, source: .server), in: tx)
            try await GenerateKey(keys: ring).execute(approved, in: tx)
            try await GenerateKey(keys: ring).execute(approved, in: tx)  // the approval seen again
        }
        let tables = await store.tables
        let key = try #require(tables.keys[id]?.inserted)
        #expect(key.kekID == "kek-1" && key.keySpec == "ec:P-256" && key.realm == Self.realm)
        let generated = try #require(tables.published.count == 1 ? tables.published[0] as? KeyGenerated : nil)
        #expect(generated.publicKey == key.publicKey && generated.request == id)
        let pkcs8 = try ring.open(
            try SealedKey(combinedBytes: key.sealedKey), associatedData: SealedKeyBinding.associatedData(id))
        let privateKey = try PrivateKey(pkcs8DER: pkcs8)
        #expect(Data(privateKey.publicKey.spkiDER).base64EncodedString() == key.publicKey)
        // Bound to its request: the box does not open for another.
        #expect(throws: (any Error).self) {
            try ring.open(
                try SealedKey(combinedBytes: key.sealedKey), associatedData: SealedKeyBinding.associatedData(UUID()))
        }
        #expect(tables.keys[id]?.stored.state == .generated)
    }

    @Test("an order with a key spec that cannot be parsed is refused as unusable")
    func unusableSpec() async throws {
        let store = FakeKeygenStore()
        let id = UUID()
        try await Self.inTransaction(store) { tx in
            try await RecordKeyOrder().execute(Self.submitted(id, source: .server, spec: "dsa:1024"), in: tx)
        }
        let ring = try KeyRing(current: try KeyEncryptionKey.generate(id: "kek-1"))
        await #expect(throws: Problem.invalid("unusable-key-spec", "")) {
            try await Self.inTransaction(store) { tx in
                try await GenerateKey(keys: ring).execute(
                    RequestApproved(request: id, realm: Self.realm, approvedBy: [], reason: ""), in: tx)
            }
        }
        #expect(await store.tables.keys.isEmpty)
    }

    static func storeWithKey(_ id: UUID, expired: Bool = false) async -> FakeKeygenStore {
        let store = FakeKeygenStore()
        await store.change { tables in
            tables.orders[id] = KeyOrderRecord(request: id, realm: realm, keySpec: "ec:P-256", requester: "alice")
            tables.keys[id] = FakeKeygenStore.Key(realm: realm, stored: StoredKey(sealedKey: [1]), expired: expired)
        }
        return store
    }

    @Test("the issued certificate is kept with the key, and a failed request destroys it once")
    func certificateAndRequestEnded() async throws {
        let id = UUID()
        let store = await Self.storeWithKey(id)
        let issued = CertificateIssued(
            request: id, realm: Self.realm, ca: "default", serialNumber: "01", certificate: "CERT", chain: "CHAIN",
            notBefore: Date(), notAfter: Date())
        let failed = RequestFailed(request: id, realm: Self.realm, code: "ca-refused", reason: "no", failedBy: "ca")
        try await Self.inTransaction(store) { tx in
            try await AttachCertificate().execute(issued, in: tx)
            try await DestroyKey().requestEnded(failed, in: tx)
            try await DestroyKey().requestEnded(failed, in: tx)
            try await AttachCertificate().execute(issued, in: tx)
        }
        let tables = await store.tables
        #expect(tables.keys[id]?.stored.state == .destroyed(.requestEnded))
        let destroyed = try #require(tables.published.count == 1 ? tables.published[0] as? KeyDestroyed : nil)
        #expect(destroyed.cause == .requestEnded)
        #expect(destroyed.reason == "request failed before issuance; private key destroyed")
    }

    @Test("the retention sweep destroys expired keys, publishes and audits each")
    func retentionSweep() async throws {
        let (expired, kept) = (UUID(), UUID())
        let store = await Self.storeWithKey(expired, expired: true)
        await store.change { tables in
            tables.keys[kept] = FakeKeygenStore.Key(realm: Self.realm, stored: StoredKey(sealedKey: [2]))
        }
        #expect(try await KeyRetentionSweeper.sweep(store: store, limit: 100, logger: store.logger) == 1)
        #expect(try await KeyRetentionSweeper.sweep(store: store, limit: 100, logger: store.logger) == 0)
        let tables = await store.tables
        #expect(tables.keys[expired]?.stored.state == .destroyed(.retentionExpired))
        #expect(tables.keys[kept]?.stored.state == .generated)
        #expect((tables.published.first as? KeyDestroyed)?.cause == .retentionExpired && tables.published.count == 1)
        #expect(
            tables.audits == [
                .init(
                    realm: Self.realm, actor: "system:retention", action: "key.destroyed",
                    target: expired.lowercasedString, details: "not downloaded within its retention period")
            ])
    }
}
