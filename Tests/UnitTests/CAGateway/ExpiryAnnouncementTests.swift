import CLMContracts
import Foundation
import Logging
import Testing

@testable import CAGateway

/// The expiry sweep over the fake store: one event per certificate and threshold, whatever
/// how often it runs, audited; revoked certificates are left alone.
@Suite("CA gateway: expiry warnings")
struct ExpiryAnnouncementTests {
    typealias Fixtures = CAGatewayFixtures
    static let logger = Logger(label: "test")
    static let day = 86_400

    /// A certificate of the fixture CA under a policy warning at `warnings` seconds, recorded.
    static func issue(
        in store: FakeCAGatewayStore, warnings: [Int], emails: [String]? = nil,
        names: [AlternativeName] = [.init(kind: .dns, value: "www.acme.example")]
    ) async throws -> IssuedCertificate {
        var order = Fixtures.submitted(keySource: .csr)
        order.alternativeNames = names
        order.verificationEmails = emails
        order.expiryWarningSeconds = warnings
        var issued = IssuedCertificate(try Fixtures.authority.issue(order), by: "default", for: order)
        #expect(issued.expiryWarnings == warnings)
        issued.expiryWarnings = warnings
        try await store.transaction(logger: logger) { tx in
            try await tx.recordOrder(order)
            try await tx.recordCertificate(issued)
        }
        return issued
    }

    static func expiring(_ store: FakeCAGatewayStore) -> [CertificateExpiring] {
        store.published.compactMap { $0.payload as? CertificateExpiring }
    }

    @Test("a due threshold is announced once, however often the sweep runs")
    func once() async throws {
        let store = FakeCAGatewayStore()
        let certificate = try await Self.issue(in: store, warnings: [30 * Self.day, 7 * Self.day])
        let sweep = AnnounceExpiries(store: store)
        let early = certificate.notAfter.addingTimeInterval(TimeInterval(-31 * Self.day))
        #expect(try await sweep(logger: Self.logger, now: early) == 0)
        let now = certificate.notAfter.addingTimeInterval(TimeInterval(-20 * Self.day))
        #expect(try await sweep(logger: Self.logger, now: now) == 1)
        #expect(try await sweep(logger: Self.logger, now: now) == 0)
        #expect(try await sweep(logger: Self.logger, now: now.addingTimeInterval(3_600)) == 0)
        let events = Self.expiring(store)
        #expect(events.count == 1)
        let event = try #require(events.first)
        #expect(event.thresholdSeconds == 30 * Self.day && event.serialNumber == certificate.serialNumber)
        #expect(event.notAfter == certificate.notAfter && event.requester == "alice@acme.example")
        #expect(event.subject == certificate.subject && event.alternativeNames == ["dns:www.acme.example"])
        #expect(store.published.first?.about == certificate.request)
        #expect(store.published.first?.type == .certificateExpiring)
        #expect(store.expiryNotices.recorded(serialNumber: certificate.serialNumber) == [30 * Self.day])
        #expect(store.audits.count == 1 && store.audits.first?.hasPrefix("certificate.expiring ") == true)
    }

    @Test("thresholds due together give one warning, the most imminent; the expiry follows at notAfter")
    func together() async throws {
        let store = FakeCAGatewayStore()
        let certificate = try await Self.issue(in: store, warnings: [30 * Self.day, 7 * Self.day, 3_600])
        let sweep = AnnounceExpiries(store: store)
        let twoHoursLeft = certificate.notAfter.addingTimeInterval(-7_200)
        try await sweep(logger: Self.logger, now: twoHoursLeft)
        #expect(Self.expiring(store).map(\.thresholdSeconds) == [7 * Self.day])
        #expect(store.audits.first?.contains("passed over [\"30d\"]") == true, "\(store.audits)")
        try await sweep(logger: Self.logger, now: certificate.notAfter.addingTimeInterval(-60))
        #expect(Self.expiring(store).map(\.thresholdSeconds) == [7 * Self.day, 3_600])
        try await sweep(logger: Self.logger, now: certificate.notAfter)
        try await sweep(logger: Self.logger, now: certificate.notAfter.addingTimeInterval(60))
        let expired = store.published.compactMap { $0.payload as? CertificateExpired }
        #expect(expired.count == 1 && expired.first?.serialNumber == certificate.serialNumber)
        #expect(store.published.last?.type == .certificateExpired)
        #expect(
            store.expiryNotices.recorded(serialNumber: certificate.serialNumber)
                == [30 * Self.day, 7 * Self.day, 3_600, 0])
        #expect(store.audits.last?.hasPrefix("certificate.expired ") == true)
    }

    @Test("the warning names the end entities' addresses: verified ones and e-mail names")
    func emails() async throws {
        let store = FakeCAGatewayStore()
        let certificate = try await Self.issue(
            in: store, warnings: [Self.day], emails: ["web@acme.example"],
            names: [.init(kind: .dns, value: "www.acme.example"), .init(kind: .email, value: "ops@acme.example")])
        try await AnnounceExpiries(store: store)(logger: Self.logger, now: certificate.notAfter.addingTimeInterval(-60))
        #expect(Self.expiring(store).first?.emails == ["web@acme.example", "ops@acme.example"])
    }

    @Test("a revoked certificate is neither warned about nor announced expired")
    func revoked() async throws {
        let store = FakeCAGatewayStore()
        let certificate = try await Self.issue(in: store, warnings: [Self.day])
        _ = try await Fixtures.revoke(
            .serial(certificate.serialNumber), realm: "acme",
            by: RevocationCaller(subject: "alice@acme.example", isRealmAdmin: false), reason: .superseded,
            comment: nil, store: store, logger: Self.logger)
        let published = store.published.count
        try await AnnounceExpiries(store: store)(logger: Self.logger, now: certificate.notAfter)
        #expect(store.published.count == published)
        #expect(store.expiryNotices.recorded(serialNumber: certificate.serialNumber).isEmpty)
    }

    @Test("bounded batches: the drain goes on until nothing is due")
    func batches() async throws {
        let store = FakeCAGatewayStore()
        var last = Date.distantPast
        for _ in 0..<5 {
            last = max(last, try await Self.issue(in: store, warnings: [Self.day]).notAfter)
        }
        let sweep = AnnounceExpiries(store: store, batchSize: 2)
        let now = last.addingTimeInterval(-60)
        #expect(try await sweep(logger: Self.logger, now: now) == 2)
        try await sweep.drain(logger: Self.logger, now: { now })
        #expect(Self.expiring(store).count == 5)
        #expect(Set(Self.expiring(store).map(\.serialNumber)).count == 5)
    }
}
