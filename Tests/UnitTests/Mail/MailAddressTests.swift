import Testing

@testable import Approval

@Suite("Mail: addresses")
struct MailAddressTests {
    @Test(
        "plain local@domain addresses are accepted",
        arguments: [
            "a@b", "clm@localhost", "first.last@example.com", "user+tag@sub.example.org", "o'hara@example.ie",
            "x_y-z=1@mail-1.example.com", "UPPER@EXAMPLE.COM", "admin@[192.0.2.1]", "admin@[IPv6:2001:db8::1]",
            String(repeating: "l", count: 64) + "@example.com",
        ])
    func valid(_ address: String) throws {
        let parsed = try MailAddress(address)
        #expect(parsed.description == address)
        #expect("\(parsed.localPart)@\(parsed.domain)" == address)
    }

    @Test(
        "anything that could break SMTP or a header is refused",
        arguments: [
            "", "plain", "@example.com", "user@", "a@b@c", "user name@example.com", "user@exa mple.com",
            "user@example.com\r\nRCPT TO:<evil@example.com>", "user@example.com\n", "user\r@example.com",
            "<user@example.com>", "user@example.com>", "Name <user@example.com>", "a,b@example.com",
            "\"quoted\"@example.com", ".user@example.com", "user.@example.com", "us..er@example.com",
            "user@.example.com", "user@example..com", "user@example.com.", "user@-example.com", "user@example-.com",
            "user@exam_ple.com", "jürgen@example.de", "user@bücher.de", "user@example.com\u{0}", "user\t@example.com",
            String(repeating: "l", count: 65) + "@example.com", "user@" + String(repeating: "d", count: 64) + ".com",
            "user@[]", "user@[1.2.3.4", "user@[1 2]",
        ])
    func invalid(_ address: String) {
        #expect {
            try MailAddress(address)
        } throws: { error in
            (error as? SMTPError)?.code == .invalidAddress && (error as? SMTPError)?.isTransient == false
        }
    }

    @Test("the error text never carries raw control characters")
    func errorTextSanitised() {
        do {
            _ = try MailAddress("a@b\r\nX-Injected: 1")
            Issue.record("accepted an address with CRLF")
        } catch {
            #expect(!error.reason.contains("\r") && !error.reason.contains("\n"))
            #expect(error.reason.contains("X-Injected"))
        }
    }
}
