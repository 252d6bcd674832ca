import CLMContracts
import Testing

@Suite("Identifier")
struct DomainIdentifierTests {
    @Test(
        "valid identifiers",
        arguments: [
            "a", "0", "web-server", "acme-corp-2", "a-", "a--b", "9lives", String(repeating: "a", count: 63),
        ])
    func valid(_ text: String) {
        #expect(Identifier.isValid(text))
    }

    @Test(
        "invalid identifiers",
        arguments: [
            "", "-a", "-", "Web", "web_server", "web server", "web.server", "wéb", "web/server", "a\n",
            String(repeating: "a", count: 64), "ａ",
        ])
    func invalid(_ text: String) {
        #expect(!Identifier.isValid(text))
    }
}
