import CLMContracts
import Foundation
import Testing

@Suite("PublicTLSValidity: the Baseline Requirements' validity schedule (ballot SC-081)")
struct DomainPublicTLSValidityTests {
    /// Midnight UTC of a day, offset by `seconds`.
    static func day(_ year: Int, _ month: Int, _ day: Int, plus seconds: TimeInterval = 0) -> Date {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let midnight = calendar.date(from: DateComponents(year: year, month: month, day: day))!
        return midnight.addingTimeInterval(seconds)
    }

    struct Case: Sendable, CustomTestStringConvertible {
        var date: Date
        var maxDays: Int
        var testDescription: String { "\(date) → \(maxDays) days" }
    }

    /// Each boundary, the second before it, and a day on either side.
    static let cases: [Case] = [
        Case(date: day(2020, 9, 1), maxDays: 398),
        Case(date: day(2026, 3, 14), maxDays: 398),
        Case(date: day(2026, 3, 15, plus: -1), maxDays: 398),
        Case(date: day(2026, 3, 15), maxDays: 200),
        Case(date: day(2026, 3, 15, plus: 1), maxDays: 200),
        Case(date: day(2026, 12, 1), maxDays: 200),
        Case(date: day(2027, 3, 15, plus: -1), maxDays: 200),
        Case(date: day(2027, 3, 15), maxDays: 100),
        Case(date: day(2027, 3, 16), maxDays: 100),
        Case(date: day(2029, 3, 14), maxDays: 100),
        Case(date: day(2029, 3, 15, plus: -1), maxDays: 100),
        Case(date: day(2029, 3, 15), maxDays: 47),
        Case(date: day(2029, 3, 16), maxDays: 47),
        Case(date: day(2040, 1, 1), maxDays: 47),
    ]

    @Test("the limit in force on a date", arguments: cases)
    func limitOnDate(testCase: Case) {
        #expect(PublicTLSValidity.maxDays(on: testCase.date) == testCase.maxDays)
    }

    @Test("the schedule's steps start at midnight UTC, oldest first, each shorter than the last")
    func scheduleIsOrdered() {
        let steps = PublicTLSValidity.schedule
        #expect(steps.map(\.maxDays) == [398, 200, 100, 47])
        #expect(steps.map(\.from) == [nil, Self.day(2026, 3, 15), Self.day(2027, 3, 15), Self.day(2029, 3, 15)])
    }

    @Test("the rule names the limit, the step's first day and the ballot")
    func ruleText() {
        #expect(
            PublicTLSValidity.rule(on: Self.day(2026, 12, 1))
                == "the CA/Browser Forum Baseline Requirements allow at most 200 days for certificates issued "
                + "from 2026-03-15 (ballot SC-081)")
        #expect(
            PublicTLSValidity.rule(on: Self.day(2025, 1, 1)).contains(
                "398 days for certificates issued before 2026-03-15"))
        #expect(
            PublicTLSValidity.rule(on: Self.day(2029, 3, 15)).contains(
                "47 days for certificates issued from 2029-03-15"))
    }
}
