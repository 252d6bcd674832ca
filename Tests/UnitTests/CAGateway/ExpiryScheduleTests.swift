import Foundation
import Testing

@testable import CAGateway

/// Which expiry notice a sweep announces: the most imminent due one, the rest passed over.
@Suite("CA gateway: expiry schedule")
struct ExpiryScheduleTests {
    static let notAfter = Date(timeIntervalSince1970: 1_900_000_000)
    static let day = 86_400
    static let thresholds = [30 * day, 7 * day, 3_600]

    static func due(at secondsBefore: Int, done: Set<Int> = []) -> ExpirySchedule.Due? {
        ExpirySchedule.due(
            thresholds: thresholds, done: done, notAfter: notAfter,
            now: notAfter.addingTimeInterval(-TimeInterval(secondsBefore)))
    }

    @Test("nothing is due before the longest threshold")
    func early() {
        #expect(Self.due(at: 30 * Self.day + 1) == nil)
    }

    @Test("each threshold falls due at its moment, exactly once")
    func inTurn() {
        #expect(Self.due(at: 30 * Self.day) == .init(announce: 30 * Self.day, skipped: []))
        #expect(Self.due(at: 8 * Self.day, done: [30 * Self.day]) == nil)
        #expect(Self.due(at: 7 * Self.day, done: [30 * Self.day]) == .init(announce: 7 * Self.day, skipped: []))
        #expect(Self.due(at: 60, done: [30 * Self.day, 7 * Self.day]) == .init(announce: 3_600, skipped: []))
        #expect(Self.due(at: 1, done: [30 * Self.day, 7 * Self.day, 3_600]) == nil)
        #expect(Self.due(at: 0, done: [30 * Self.day, 7 * Self.day, 3_600]) == .init(announce: 0, skipped: []))
        #expect(Self.due(at: -5, done: [30 * Self.day, 7 * Self.day, 3_600, 0]) == nil)
    }

    @Test("several due at once: only the most imminent is announced, the others are passed over")
    func together() {
        // Issued with two hours left under a 30d, 7d, 1h policy.
        #expect(Self.due(at: 2 * 3_600) == .init(announce: 7 * Self.day, skipped: [30 * Self.day]))
        #expect(Self.due(at: 1_800) == .init(announce: 3_600, skipped: [30 * Self.day, 7 * Self.day]))
        // A gateway that was down past the expiry announces the expiry alone.
        let late = Self.due(at: -Self.day, done: [30 * Self.day])
        #expect(late == .init(announce: 0, skipped: [7 * Self.day, 3_600]))
        #expect(late?.all == [0, 7 * Self.day, 3_600])
    }

    @Test("without thresholds only the expiry is announced; zero or negative thresholds are ignored")
    func expiryOnly() {
        let at = { (now: Date, thresholds: [Int]) in
            ExpirySchedule.due(thresholds: thresholds, done: [], notAfter: Self.notAfter, now: now)
        }
        #expect(at(Self.notAfter.addingTimeInterval(-1), []) == nil)
        #expect(at(Self.notAfter, []) == .init(announce: 0, skipped: []))
        #expect(at(Self.notAfter, [0, -60]) == .init(announce: 0, skipped: []))
    }

    @Test("the end entities' addresses: verified ones, then e-mail names, each once")
    func entityEmails() {
        let emails = ExpirySchedule.entityEmails(
            verified: ["web@acme.example", ""],
            alternativeNames: ["dns:www.acme.example", "email:ops@acme.example", "email:WEB@acme.example"])
        #expect(emails == ["web@acme.example", "ops@acme.example"])
    }
}

/// `CLM_EXPIRY_SWEEP_SECONDS`: a minute unless set; one second for tests, an hour at most.
@Suite("CA gateway: expiry sweep setting")
struct ExpirySweepSettingTests {
    @Test("default, set and refused values")
    func sweep() throws {
        #expect(try CAGatewaySettings.fromEnvironment([:]).expirySweep == .seconds(60))
        #expect(try CAGatewaySettings.fromEnvironment(["CLM_EXPIRY_SWEEP_SECONDS": "1"]).expirySweep == .seconds(1))
        #expect(throws: (any Error).self) {
            try CAGatewaySettings.fromEnvironment(["CLM_EXPIRY_SWEEP_SECONDS": "0"])
        }
    }
}
