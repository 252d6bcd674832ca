import CLMContracts
import CLMCrypto
import Foundation
import Logging
import Testing

@testable import CAGateway

/// Revocation, the CRLs it signs and the OCSP answers, over the fake store with real keys,
/// cross-checked with the `openssl` CLI.
@Suite("CA gateway: revocation, CRLs and OCSP")
struct RevocationUseCaseTests {
    typealias Fixtures = CAGatewayFixtures
    static let logger = Logger(label: "test")
    static let requester = RevocationCaller(subject: "alice@acme.example", isRealmAdmin: false)

    /// A store holding one certificate the fixture CA issued for a CSR order, and its files.
    struct Setup {
        let store = FakeCAGatewayStore()
        let leaf: Certificate
        let scratch: CryptoScratch

        init() async throws {
            let order = Fixtures.submitted(keySource: .csr)
            leaf = try Fixtures.authority.issue(order)
            let issued = IssuedCertificate(leaf, by: "default", for: order)
            try await store.transaction(logger: RevocationUseCaseTests.logger) {
                try await $0.recordCertificate(issued)
            }
            scratch = try CryptoScratch()
            try scratch.write("leaf.pem", leaf.pem)
            try scratch.write("issuing.pem", Fixtures.authority.issuing.pem)
            try scratch.write("chain.pem", Fixtures.authority.chainPEM)
            try scratch.write("root.pem", Fixtures.authority.root.pem)
        }

        var serial: String { leaf.serialNumberHex }

        func revoke(
            _ locator: CertificateLocator? = nil, by caller: RevocationCaller = RevocationUseCaseTests.requester,
            realm: String = "acme", reason: RevocationReasonName = .keyCompromise, comment: String? = "laptop stolen"
        ) async throws -> RevokeCertificate.Outcome {
            try await Fixtures.revoke(
                locator ?? .serial(serial), realm: realm, by: caller, reason: reason, comment: comment, store: store,
                logger: RevocationUseCaseTests.logger)
        }

        /// `openssl verify -crl_check` of the leaf with the store's current CRL.
        func verifyWithCRL() throws -> (status: Int32, output: String) {
            let list = try #require(store.lists["default"])
            try scratch.write("crl.pem", list.pem)
            return try scratch.openssl([
                "verify", "-crl_check", "-CAfile", "root.pem", "-untrusted", "issuing.pem", "-CRLfile", "crl.pem",
                "leaf.pem",
            ])
        }

        /// The OCSP answer to an `openssl ocsp` request for the leaf, checked by openssl; its text.
        func ocsp(_ options: [String] = ["-cert", "leaf.pem"]) async throws -> String {
            try scratch.opensslOK(["ocsp", "-issuer", "issuing.pem"] + options + ["-reqout", "req.der"])
            let answer = AnswerOCSP(store: store, validity: 3600)
            let (der, cacheable) = await answer(
                try scratch.read("req.der"), authority: Fixtures.authority, logger: logger)
            #expect(cacheable)
            try scratch.write("resp.der", bytes: der)
            return try scratch.opensslOK([
                "ocsp", "-reqin", "req.der", "-respin", "resp.der", "-issuer", "issuing.pem", "-CAfile", "chain.pem",
                "-resp_text",
            ])
        }

        var logger: Logger { RevocationUseCaseTests.logger }
    }

    @Test("the requester revokes: CRL re-signed with the entry, event and audit record; openssl now refuses the leaf")
    func revokeByRequester() async throws {
        let setup = try await Setup()
        let outcome = try await setup.revoke()
        #expect(outcome.created)
        #expect(outcome.revocation.serialNumber == setup.serial && outcome.revocation.reason == .keyCompromise)
        #expect(outcome.revocation.comment == "laptop stolen" && outcome.revocation.revokedBy == "alice@acme.example")
        let list = try #require(setup.store.lists["default"])
        #expect(list.crlNumber == 1 && list.isSigned(by: Fixtures.authority.issuing))
        #expect(list.entries.map(\.serialNumber.hex) == [setup.serial])
        #expect(list.entries.first?.reason == .keyCompromise)
        #expect(list.entries.first?.revocationDate == outcome.revocation.revokedAt)
        let revoked = try #require(setup.store.published.first?.payload as? CertificateRevoked)
        #expect(setup.store.published.count == 1 && setup.store.published.first?.type == .certificateRevoked)
        #expect(revoked.serialNumber == setup.serial && revoked.reason == .keyCompromise && revoked.ca == "default")
        #expect(setup.store.audits.count == 1 && setup.store.audits[0].hasPrefix("certificate.revoked \(setup.serial)"))
        let verified = try setup.verifyWithCRL()
        #expect(verified.status != 0 && verified.output.contains("certificate revoked"), "\(verified.output)")
    }

    @Test("a second revoke answers with the first, whatever it says, and signs nothing new")
    func idempotent() async throws {
        let setup = try await Setup()
        let first = try await setup.revoke()
        let second = try await setup.revoke(.request(first.revocation.request), reason: .superseded, comment: "again")
        #expect(!second.created && second.revocation == first.revocation)
        #expect(setup.store.lists["default"]?.crlNumber == 1)
        #expect(setup.store.published.count == 1 && setup.store.audits.count == 1)
    }

    @Test("another requester is refused (not-requester); a realm admin may; a foreign realm or serial is not found")
    func whoMayRevoke() async throws {
        let setup = try await Setup()
        let other = RevocationCaller(subject: "bob@acme.example", isRealmAdmin: false)
        await #expect(throws: Problem.forbidden("not-requester", "")) { try await setup.revoke(by: other) }
        await #expect(throws: Problem.notFound("")) { try await setup.revoke(realm: "globex") }
        await #expect(throws: Problem.notFound("")) { try await setup.revoke(.serial("0ABC")) }
        await #expect(throws: Problem.notFound("")) { try await setup.revoke(.request(UUID())) }
        #expect(setup.store.revocations.isEmpty && setup.store.published.isEmpty)
        let admin = RevocationCaller(subject: "kim@acme.example", isRealmAdmin: true)
        #expect(try await setup.revoke(by: admin, reason: .cessationOfOperation).created)
    }

    @Test("comments are trimmed and bounded; an expired certificate cannot be revoked")
    func refusals() async throws {
        #expect(try RevocationRules.checkedComment("  key leaked \n") == "key leaked")
        #expect(try RevocationRules.checkedComment("   ") == nil)
        #expect(throws: Problem.invalid("invalid-comment", "")) {
            try RevocationRules.checkedComment(String(repeating: "x", count: 1025))
        }
        #expect(throws: Problem.invalid("invalid-comment", "")) { try RevocationRules.checkedComment("a\u{1B}[31m") }
        let expired = RevocableCertificate(
            ca: "default", serialNumber: "0A", request: UUID(), realm: "acme", requester: "alice@acme.example",
            notAfter: Date().addingTimeInterval(-1), revocation: nil)
        #expect(throws: Problem.conflict("certificate-expired", "")) {
            try RevocationRules.checkRevocable(expired, now: Date())
        }
        #expect(throws: Problem.invalid("invalid-serial", "")) { try CertificateLocator.serial(parsing: "xyz") }
        #expect(try CertificateLocator.serial(parsing: "0a:bc") == .serial("0ABC"))
    }

    @Test("the schedule signs the first CRL, nothing while the current one is fresh, and a new one when it is due")
    func schedule() async throws {
        let setup = try await Setup()
        let signer = RevocationListSigner(schedule: .init(validity: 86400, resignBefore: 3600))
        let now = Date()
        let first = try await setup.store.transaction(logger: setup.logger) {
            try await signer.refreshIfDue(Fixtures.authority, in: $0, now: now)
        }
        #expect(first?.crlNumber == 1 && first?.entries.isEmpty == true)
        #expect(first?.nextUpdate.map { Int($0.timeIntervalSince(first!.thisUpdate)) } == 86400)
        let fresh = try await setup.store.transaction(logger: setup.logger) {
            try await signer.refreshIfDue(Fixtures.authority, in: $0, now: now.addingTimeInterval(86400 - 3601))
        }
        #expect(fresh == nil)
        let due = try await setup.store.transaction(logger: setup.logger) {
            try await signer.refreshIfDue(Fixtures.authority, in: $0, now: now.addingTimeInterval(86400 - 3599))
        }
        #expect(due?.crlNumber == 2)
        let schedule = RevocationListSchedule(validity: 600, resignBefore: 60)
        #expect(schedule.oldestListedExpiry(now: now) == now.addingTimeInterval(-600))
        #expect(schedule.isDue(nextUpdate: nil, now: now))
    }

    @Test(
        "OCSP: good, then revoked with reason and time; unknown serials and other issuers; garbage is malformedRequest")
    func ocsp() async throws {
        let setup = try await Setup()
        let good = try await setup.ocsp()
        #expect(good.contains("Cert Status: good") && good.contains("Response verify OK"), "\(good)")
        _ = try await setup.revoke(reason: .affiliationChanged)
        let revoked = try await setup.ocsp()
        #expect(revoked.contains("Cert Status: revoked") && revoked.contains("Response verify OK"), "\(revoked)")
        #expect(revoked.contains("Revocation Reason: affiliationChanged"), "\(revoked)")
        let unknown = try await setup.ocsp(["-serial", "0x0123456789"])
        #expect(unknown.contains("Cert Status: unknown"), "\(unknown)")
        // A CertID naming the root as issuer: not this CA's certificate.
        try setup.scratch.opensslOK(["ocsp", "-issuer", "root.pem", "-cert", "leaf.pem", "-reqout", "req.der"])
        let foreign = await AnswerOCSP(store: setup.store, validity: 60)(
            try setup.scratch.read("req.der"), authority: Fixtures.authority, logger: setup.logger)
        try setup.scratch.write("resp.der", bytes: foreign.response)
        let text = try setup.scratch.opensslOK(["ocsp", "-respin", "resp.der", "-resp_text", "-noverify"])
        #expect(text.contains("Cert Status: unknown"), "\(text)")
        for garbage in [[], [0x30], [0x30, 0x03, 0x02, 0x01, 0x00], Array(repeating: 0xFF, count: 70_000)] as [[UInt8]]
        {
            let answer = await AnswerOCSP(store: setup.store, validity: 60)(
                garbage, authority: Fixtures.authority, logger: setup.logger)
            #expect(answer.response == [0x30, 0x03, 0x0A, 0x01, 0x01] && !answer.cacheable)
        }
    }
}
