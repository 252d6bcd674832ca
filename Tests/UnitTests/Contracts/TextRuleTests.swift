import CLMContracts
import Foundation
import Testing

/// The one rule for text (decision 0021), pure: every refused class of character, the
/// boundaries around them, length limits, and the path each refusal names.
@Suite("The rule for text")
struct TextRuleTests {
    static let rule = TextRule.standard

    /// Checks `json` and returns the violation's rendering, or nil when it passes.
    static func refusal(_ json: String) -> String? {
        do {
            _ = try rule.check(json: Array(json.utf8))
            return nil
        } catch {
            guard case .text(let violation) = error else { return "malformed: \(error)" }
            return violation.description
        }
    }

    @Test("every C0 control but tab, line feed and carriage return is refused; DEL and C1 too")
    func controls() {
        for value in UInt32(0)...0x9F {
            let scalar = Unicode.Scalar(value)!
            let refused = TextRule.refusal(of: scalar) != nil
            let expected = (value < 0x20 && ![0x09, 0x0A, 0x0D].contains(value)) || value >= 0x7F
            #expect(refused == expected, "U+\(String(value, radix: 16))")
        }
        #expect(TextRule.refusal(of: "\u{A0}") == nil)  // no-break space: the first after C1
        #expect(TextRule.refusal(of: "\u{0}") == "a control character")
    }

    @Test("noncharacters are refused, their neighbours are not")
    func noncharacters() {
        for value: UInt32 in [0xFDD0, 0xFDEF, 0xFFFE, 0xFFFF, 0x1FFFE, 0x1FFFF, 0x10FFFE, 0x10FFFF] {
            #expect(TextRule.refusal(of: Unicode.Scalar(value)!) == "a noncharacter", "U+\(String(value, radix: 16))")
        }
        for value: UInt32 in [0xFDCF, 0xFDF0, 0xFFFD, 0x1FFFD, 0x20000, 0x10FFFD, 0x1F600, 0xE9] {
            #expect(TextRule.refusal(of: Unicode.Scalar(value)!) == nil, "U+\(String(value, radix: 16))")
        }
    }

    @Test("escaped and raw: NUL, C0, DEL and noncharacters are refused with the field's path")
    func escapes() {
        #expect(Self.refusal(#"{"displayName":"a\u0000b"}"#)?.hasPrefix("displayName: contains U+0000") == true)
        #expect(Self.refusal(#"{"displayName":"a\u001fb"}"#)?.hasPrefix("displayName: contains U+001F") == true)
        #expect(Self.refusal(#"{"displayName":"\u007f"}"#)?.hasPrefix("displayName: contains U+007F") == true)
        #expect(Self.refusal(#"{"displayName":"\uffff"}"#)?.contains("(a noncharacter) at character 1") == true)
        #expect(
            Self.refusal(#"{"reason":"ok\u000b"}"#)?.contains("U+000B (a control character) at character 3") == true)
        #expect(
            Self.refusal("{\"comment\":\"a\u{1}b\"}")?.hasPrefix("comment: unescaped control character U+0001") == true)
        #expect(
            Self.refusal("{\"comment\":\"a\u{0}b\"}")?.hasPrefix("comment: unescaped control character U+0000") == true)
        // Allowed everywhere: tab, newline, carriage return (escaped), and any other text.
        #expect(Self.refusal(#"{"comment":"line 1\r\n\tline 2","name":"Grüße 😀 \u00a0 \u2028"}"#) == nil)
    }

    @Test("what is broken inside a string is a text violation at its path: invalid UTF-8, lone surrogates")
    func encodings() {
        let invalid: [UInt8] = Array(#"{"attributes":{"commonName":"a"#.utf8) + [0xC3, 0x28] + Array(#""}}"#.utf8)
        #expect(throws: TextRule.BodyProblem.self) { try Self.rule.check(json: invalid) }
        do {
            _ = try Self.rule.check(json: invalid)
        } catch {
            guard case .text(let violation) = error else {
                Issue.record("\(error)")
                return
            }
            #expect(violation.path.description == "attributes.commonName")
            #expect(violation.reason.hasPrefix("string is not valid UTF-8"))
        }
        #expect(Self.refusal(#"{"entities":["www","\ud800"]}"#)?.hasPrefix("entities[1]: unpaired surrogate") == true)
        #expect(Self.refusal(#"{"entities":["\udc00x"]}"#)?.hasPrefix("entities[0]: unpaired surrogate") == true)
        // Encoded surrogates (CESU-8) are not UTF-8 either.
        let cesu: [UInt8] = Array(#"["#.utf8) + [0x22, 0xED, 0xA0, 0x80, 0x22] + Array("]".utf8)
        #expect(throws: TextRule.BodyProblem.self) { try Self.rule.check(json: cesu) }
        #expect(Self.refusal(#"{"entities":["\ud83d\ude00"]}"#) == nil)  // a pair is one character
    }

    @Test("paths: nested objects and arrays, the top level, and the first field in name order")
    func paths() {
        #expect(Self.refusal(#"{"entities":["www","api","\u0000"]}"#)?.hasPrefix("entities[2]:") == true)
        #expect(Self.refusal(#"{"a":{"b":[[1,{"c":"\u0007"}]]}}"#)?.hasPrefix("a.b[0][1].c:") == true)
        #expect(Self.refusal(#""\u0000""#)?.hasPrefix("body:") == true)
        #expect(Self.refusal(#"["ok","\u0000"]"#)?.hasPrefix("[1]:") == true)
        #expect(Self.refusal(#"{"zeta":"\u0000","alpha":"\u0001"}"#)?.hasPrefix("alpha: contains U+0001") == true)
        // Numbers, booleans and null hold no text.
        #expect(Self.refusal(#"{"n":1e3,"b":true,"z":null,"o":{},"a":[]}"#) == nil)
    }

    @Test("member names are held to the rule too, reported at their object")
    func memberNames() {
        let top = Self.refusal(#"{"display\u0000Name":"x"}"#)
        #expect(top?.hasPrefix("body: a member name contains U+0000") == true, "\(top ?? "nil")")
        let nested = Self.refusal(#"{"attributes":{"\u001b[31m":"x"}}"#)
        #expect(nested?.hasPrefix("attributes: a member name contains U+001B") == true, "\(nested ?? "nil")")
        let raw = Self.refusal("{\"attributes\":{\"a\u{1}\":\"x\"}}")
        #expect(raw?.hasPrefix("attributes: in a member name: unescaped control character U+0001") == true)
        let long = Self.refusal("{\"\(String(repeating: "k", count: 4097))\":1}")
        #expect(long?.hasPrefix("body: a member name is 4097 bytes long") == true)
    }

    @Test("lengths: 4 KiB of UTF-8 by default, more for csr and token, counted in bytes")
    func lengths() {
        #expect(Self.refusal("{\"reason\":\"\(String(repeating: "x", count: 4096))\"}") == nil)
        #expect(
            Self.refusal("{\"reason\":\"\(String(repeating: "x", count: 4097))\"}")
                == "reason: is 4097 bytes long (UTF-8), at most 4096 allowed")
        // 2048 two-byte characters are 4096 bytes; one more is over.
        #expect(Self.refusal("{\"reason\":\"\(String(repeating: "é", count: 2048))\"}") == nil)
        #expect(Self.refusal("{\"reason\":\"\(String(repeating: "é", count: 2049))\"}")?.contains("4098 bytes") == true)
        #expect(Self.refusal("{\"csr\":\"\(String(repeating: "A", count: 65536))\"}") == nil)
        #expect(
            Self.refusal("{\"csr\":\"\(String(repeating: "A", count: 65537))\"}")?.hasPrefix("csr: is 65537") == true)
        #expect(Self.refusal("{\"token\":\"\(String(repeating: "A", count: 16384))\"}") == nil)
        // An array's elements count under the array's name.
        #expect(Self.refusal("{\"csr\":[\"\(String(repeating: "A", count: 5000))\"]}") == nil)
        #expect(Self.refusal("{\"x\":{\"csr\":\"\(String(repeating: "A", count: 5000))\"}}") == nil)
        #expect(
            Self.refusal("{\"entities\":[\"\(String(repeating: "A", count: 5000))\"]}")?.hasPrefix("entities[0]:")
                == true)
    }

    @Test("not JSON, too deep or duplicate members: malformed (400), not a text violation")
    func malformed() {
        for body in [
            "", "{oops", #"{"a":1,"a":2}"#, String(repeating: "[", count: 65) + String(repeating: "]", count: 65),
        ] {
            #expect(Self.refusal(body)?.hasPrefix("malformed:") == true, "\(body.prefix(20))")
        }
        #expect(Self.refusal(String(repeating: "[", count: 64) + String(repeating: "]", count: 64)) == nil)
        #expect(TextRule.BodyProblem.malformed("x").problem.code == "malformed-body")
        #expect(TextRule.BodyProblem.malformed("x").problem.kind == .invalid)
    }

    @Test("a violation is a 422-kind problem invalid-text whose detail and violation name the path")
    func problem() {
        let violation = TextRule.Violation(path: JSONPath([.member("attributes"), .member("commonName")]), reason: "r")
        let problem = violation.problem
        #expect(problem.code == "invalid-text" && problem.kind == .refused)
        #expect(problem.detail == "attributes.commonName: r" && problem.violations == ["attributes.commonName: r"])
        // A refused character in a member name is never printed as itself.
        #expect(JSONPath([.member("a\u{0}b"), .index(3)]).description == "a<U+0000>b[3]")
    }

    @Test("encoded values (Kafka commands) are judged like bodies")
    func encoded() throws {
        let command = SubmitCommand(token: "t", policy: "p", entities: ["www", "x\u{0}"], csr: "c")
        #expect(try Self.rule.violation(inEncoded: command)?.path.description == "entities[1]")
        let clean = SubmitCommand(token: "t", policy: "p", entities: ["www"], csr: "line\n")
        #expect(try Self.rule.violation(inEncoded: clean) == nil)
    }

    @Test("query parameters: names and values, percent-decoded, named query.<name>")
    func query() {
        func refusal(_ query: String) -> String? { Self.rule.violation(inQuery: query[...])?.description }
        #expect(refusal("state=pending&limit=10") == nil)
        #expect(refusal("q=caf%C3%A9%20bar&x&=v&flag=") == nil)
        #expect(refusal("state=pending&q=a%00b")?.hasPrefix("query.q: contains U+0000") == true)
        #expect(refusal("q=%7F")?.hasPrefix("query.q: contains U+007F") == true)
        #expect(refusal("q=%09%0A%0D") == nil)
        #expect(refusal("q=%C3%28") == "query.q: is not valid UTF-8 once percent-decoded")
        #expect(refusal("q=%zz") == "query.q: is not valid percent-encoding")
        #expect(refusal("q=50%") == "query.q: is not valid percent-encoding")
        #expect(refusal("a%01b=1")?.hasPrefix("query: a parameter name contains U+0001") == true)
        #expect(refusal("q=\(String(repeating: "x", count: 4097))")?.hasPrefix("query.q: is 4097 bytes") == true)
    }
}
