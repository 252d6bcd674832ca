import Foundation

/// The raw material of the generated attacks: numbers, characters, strings, path segments and
/// query values that break parsers, databases and the rule for text.
enum HostileText {
    /// JSON number texts (some not JSON at all) at and beyond every boundary a decoder has.
    static let numbers = [
        "0", "-0", "-1", "1", "0.5", "1e308", "1e309", "-1e309", "1e-400", "4.9e-324", "9007199254740993",
        "9223372036854775807", "9223372036854775808", "-9223372036854775809", "18446744073709551616",
        "123456789012345678901234567890", "1E400", "2147483648", "-2147483649", "4294967296", "1.0", "1e2",
        "NaN", "Infinity", "-Infinity", "+1", "01", ".5", "1.", "-", "0x10", "1_000",
        String(repeating: "9", count: 400), "0." + String(repeating: "0", count: 400) + "1",
    ]

    /// A JSON string (with its quotes) holding a character that has no place in free text: as a
    /// `\u` escape, or raw (which for C0 is not even JSON).
    static func controlCharacter(_ random: inout SeededRandom) -> String {
        let scalars: [UInt32] =
            Array(0x00...0x1F) + [
                0x7F, 0x80, 0x85, 0x9F, 0x2028, 0x2029, 0xFEFF, 0x200B, 0x200E, 0x202E, 0x2066, 0xFFFE, 0xFFFF,
                0xE000, 0x10FFFF, 0x1F600, 0x0301,
            ]
        let scalar = random.pick(scalars)
        let character: String
        if random.chance(1, in: 2) || scalar > 0xFFFF {
            character = String(UnicodeScalar(scalar).map(Character.init) ?? "?")
        } else {
            character = String(format: "\\u%04x", scalar)
        }
        let around = random.pick(["", "a", "www", "web-server", "ann@test.example"])
        return "\"" + around + character + around + "\""
    }

    /// Strings with UTF-16 surrogates that do not pair: JSON allows the escape, Unicode not.
    static let loneSurrogates = [
        #""\ud800""#, #""\udfff""#, #""a\ud800b""#, #""\udc00\ud800""#, #""\ud83d""#, #""\ud800\u0041""#,
        #""\uD800\uD800""#, #""\ud800\""#, #""\u""#, #""\u12""#, #""\uzzzz""#,
    ]

    /// A JSON string whose bytes are not UTF-8: stray continuation bytes, overlong forms (the
    /// overlong NUL C0 80 among them), encoded surrogates, beyond U+10FFFF, cut sequences.
    static func invalidUTF8(_ random: inout SeededRandom) -> [UInt8] {
        let sequences: [[UInt8]] = [
            [0xFF], [0xFE], [0x80], [0xBF], [0xC0, 0x80], [0xC1, 0xBF], [0xE0, 0x80, 0x80], [0xED, 0xA0, 0x80],
            [0xED, 0xBF, 0xBF], [0xF4, 0x90, 0x80, 0x80], [0xF8, 0x88, 0x80, 0x80, 0x80], [0xC3], [0xE2, 0x82],
            [0xF0, 0x9F, 0x98], [0xC3, 0x28], random.bytes(Int.random(in: 1...16, using: &random)),
        ]
        return Array("\"ab".utf8) + random.pick(sequences) + Array("cd\"".utf8)
    }

    /// Long text: around every length limit, in one-, two- and four-byte characters.
    static func longString(_ random: inout SeededRandom) -> String {
        let length = random.pick([65, 129, 256, 257, 1025, 4097, 16_385, 65_537, 300_000])
        let unit = random.pick(["a", "é", "😀", "a\u{0301}", " "])
        return String(repeating: unit, count: length)
    }

    /// Strings that are valid text but hostile to what reads them next.
    static let oddStrings = [
        "", " ", "\t", "\n", "\r\n", "../../etc/passwd", "..\\..\\windows", "' OR '1'='1", "'; DROP TABLE realms; --",
        "<script>alert(1)</script>", "${jndi:ldap://x/a}", "{{7*7}}", "%00", "%s%s%s%n", "\\", "\"", "null",
        "true", "0", "-1", "1e9", "P-256", "ec:P-256:extra", "rsa:", "ed25519 ", " web-server", "WEB-SERVER",
        "web_server", "İstanbul", "straße", "ＡＢＣ", "😀", "a\u{0301}\u{0301}\u{0301}\u{0301}", "\u{202E}evil",
        "\u{FEFF}bom", "\u{200B}", "x@y", "@", "a@b@c", "CN=x,O=y", "1.2.840.113549", "2.5.29.17",
        "http://169.254.169.254/", "file:///etc/passwd", "0.0.0.0/0", "::/0", "999.1.1.1", "2001:db8::1",
        "*.example", "*", "-", "--", "a..b", ".", "..", "/", "%2e%2e%2f",
    ]

    /// Member names that trip object models (prototype pollution, operators, empty).
    static let memberNames = [
        "", "__proto__", "constructor", "prototype", "$where", "$gt", "a.b", "a[0]", "id ", " id", "ID",
        "\u{0}", "😀", String(repeating: "k", count: 5000), "policy", "realm", "status", "admin", "roles",
    ]

    /// Path segments, already percent-encoded where they must be, that replace an identifier.
    static let segments = [
        "%00", "%0A", "%0D%0A", "%1B", "%7F", "..", "%2E%2E", "%2e%2e%2f%2e%2e", "%2F", "a%2Fb", "%5C",
        "..%2F..%2Fetc%2Fpasswd", "%FF", "%C0%80", "%ED%A0%80", "%F0%9F%98%80", "%E2%80%AE", "-1", "0",
        "99999999999999999999999", "0x0A", "%20", "a%20b", "a;b", "%3B", "%27%20OR%201%3D1--", "%25",
        "%25%30%30", "%7B%7D", "*", "~", "%3F", "%23", "a%00b", "WWW", "web-server%00", "%C3%A9",
        String(repeating: "a", count: 256), String(repeating: "a", count: 5000), String(repeating: "%41", count: 1000),
        "00000000-0000-0000-0000-000000000000", "00000000-0000-0000-0000-00000000000g", "%u0000", "%", "%%", "%G0",
    ]

    /// Query values, encoded as they go on the wire.
    static let queryValues =
        segments + [
            "", "all", "ALL", "pending", "issued", "-1", "0", "1", "1000000", "1e3", "true", "csv", "pem", "p12",
            "der", "json", "abc", "2026-13-45", "9999-12-31T23:59:59Z", "%E2%80%8B", "a%26b%3Dc",
        ]

    /// Query names: those the API knows and others.
    static let queryNames = [
        "state", "q", "requester", "limit", "cursor", "after", "before", "format", "expiringWithin", "policy",
        "serial", "status", "return", "code", "error", "error_description", "x", "%00", "a%20b", "limit[]",
    ]
}
