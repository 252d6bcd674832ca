import Testing

@testable import CLMContracts

@Suite("Duration text")
struct DurationTextTests {
    @Test(
        "whole numbers with one unit",
        arguments: [("90s", 90), ("30m", 1800), ("72h", 259_200), ("7d", 604_800), ("1s", 1)])
    func parses(text: String, seconds: Int) {
        #expect(DurationText.seconds(text) == seconds)
        #expect(DurationText.seconds(DurationText.describe(seconds)) == seconds)
    }

    @Test(
        "anything else is refused",
        arguments: ["", "s", "0s", "07d", "1.5h", "-1h", "1w", "1h30m", " 1h", "1H", "12345678s", "１h"])
    func refuses(text: String) {
        #expect(DurationText.seconds(text) == nil)
    }

    @Test("describe picks the largest exact unit")
    func describe() {
        #expect(DurationText.describe(86_400) == "1d")
        #expect(DurationText.describe(90_000) == "25h")
        #expect(DurationText.describe(61) == "61s")
    }
}
