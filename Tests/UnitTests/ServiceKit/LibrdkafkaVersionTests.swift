import CLMMessaging
import Testing

@Suite("LibrdkafkaVersion")
struct ServiceKitLibrdkafkaVersionTests {
    @Test(
        "fields and description",
        arguments: [
            (0x0202_00FF, "2.2.0"), (0x0210_01FF, "2.16.1"), (0x0200_02FF, "2.0.2"), (0x0102_0304, "1.2.3"),
        ])
    func fields(_ hex: Int, _ text: String) {
        #expect(LibrdkafkaVersion(hex: hex).description == text)
    }

    @Test("ordering ignores the pre-release byte")
    func ordering() {
        let release = LibrdkafkaVersion(hex: 0x0202_00FF)
        let candidate = LibrdkafkaVersion(hex: 0x0202_0001)
        #expect(!(release < candidate) && !(candidate < release))
        #expect(release >= LibrdkafkaVersion.minimumSupported)
        #expect(LibrdkafkaVersion(hex: 0x0201_FFFF) < LibrdkafkaVersion(hex: 0x0202_0000))
        #expect(LibrdkafkaVersion(hex: 0x0200_02FF) < LibrdkafkaVersion(hex: 0x0202_0000))
        #expect(LibrdkafkaVersion(hex: 0x0210_01FF) > LibrdkafkaVersion(hex: 0x0209_09FF))
        #expect(LibrdkafkaVersion(hex: 0x0300_0000) > LibrdkafkaVersion(hex: 0x02FF_FFFF))
    }

    @Test("2.0.2 is refused with a message that says what to do")
    func refuses202() {
        #expect {
            try LibrdkafkaVersion.checkRuntime(LibrdkafkaVersion(hex: 0x0200_02FF))
        } throws: { error in
            guard let error = error as? KafkaError else { return false }
            return error.code == .unsupportedLibrary && error.message.contains("2.0.2")
                && error.message.contains("2.2.0") && error.message.contains("LD_LIBRARY_PATH")
        }
    }

    @Test("older versions are refused", arguments: [0x0109_00FF, 0x0201_09FF, 0x0201_FFFF])
    func refusesOlder(_ hex: Int) {
        #expect(throws: KafkaError(.unsupportedLibrary, "")) {
            try LibrdkafkaVersion.checkRuntime(LibrdkafkaVersion(hex: hex))
        }
    }

    @Test("2.2.0 and newer are accepted", arguments: [0x0202_0000, 0x0202_00FF, 0x0202_0001, 0x0210_01FF, 0x0300_00FF])
    func accepts(_ hex: Int) throws {
        try LibrdkafkaVersion.checkRuntime(LibrdkafkaVersion(hex: hex))
    }
}
