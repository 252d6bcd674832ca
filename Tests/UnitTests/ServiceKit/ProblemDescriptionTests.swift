import Foundation
import Hummingbird
import Testing

@testable import CLMServiceKit

@Suite("ProblemMiddleware.describe")
struct ServiceKitProblemDescriptionTests {
    struct Body: Codable {
        struct Inner: Codable {
            var port: Int
        }
        struct Item: Codable {
            var name: String
        }
        var name: String
        var count: Int
        var inner: Inner?
        var items: [Item]?
        var id: UUID?
    }

    /// The sentence for the DecodingError that decoding `json` into `Body` really throws.
    private func sentence(_ json: String) -> String? {
        do {
            _ = try JSONDecoder().decode(Body.self, from: Data(json.utf8))
            Issue.record("decoding \(json) did not fail")
            return nil
        } catch let error as DecodingError {
            return ProblemMiddleware<BasicRequestContext>.describe(error)
        } catch {
            Issue.record("not a DecodingError: \(error)")
            return nil
        }
    }

    @Test(
        "sentences name the offending field",
        arguments: [
            (#"{"count":1}"#, "missing field 'name'"),
            (#"{"name":"a","count":1,"inner":{}}"#, "missing field 'port' in inner"),
            (#"{"name":"a","count":"one"}"#, "field 'count' must be Int"),
            (#"{"name":7,"count":1}"#, "field 'name' must be String"),
            (#"{"name":"a","count":1,"inner":{"port":"x"}}"#, "field 'inner.port' must be Int"),
            (#"{"name":null,"count":1}"#, "field 'name' must be a String, not null"),
            (#"{"name":"a","count":1"#, "body is not valid JSON"),
            ("", "body is not valid JSON"),
            ("[1,2]", nil),
        ] as [(String, String?)])
    func sentences(_ json: String, _ expected: String?) {
        let text = sentence(json)
        if let expected {
            #expect(text == expected)
        } else {
            #expect(text != nil && text != "malformed body")
        }
    }

    /// Foundation's JSONDecoder (Linux) reports 1.5-into-Int as `.dataCorrupted` with an
    /// empty coding path and "The given data was not valid JSON", so `describe` answers
    /// "body is not valid JSON" for a syntactically valid body and names no field.
    @Test(
        "a number that is not an integer names the field",
        arguments: [
            #"{"name":"a","count":1.5}"#, #"{"name":"a","count":99999999999999999999}"#,
        ])
    func fractionalInteger(_ json: String) {
        let text = sentence(json) ?? ""
        #expect(text != "malformed body")
        withKnownIssue("a non-integer number is described as invalid JSON, without the field") {
            #expect(text.hasPrefix("field 'count'"))
        }
    }

    @Test("a top-level array is not a body object")
    func topLevelArray() {
        #expect(sentence("[1,2]")?.contains("Dictionary") == true)
    }

    @Test("a corrupt value names its field and says why")
    func corruptValue() {
        let text = sentence(#"{"name":"a","count":1,"id":"not-a-uuid"}"#) ?? ""
        #expect(text.hasPrefix("field 'id': "))
        #expect(text.contains("not-a-uuid") || text.lowercased().contains("uuid"))
    }

    @Test("fields inside arrays are named by index")
    func arrayElement() {
        let text = sentence(#"{"name":"a","count":1,"items":[{"name":"x"},{}]}"#) ?? ""
        #expect(text.hasPrefix("missing field 'name' in items"))
        #expect(text.contains("1"))
    }

    /// Array indices are rendered as `.[1]`, so a path reads `items.[1]`, unlike the
    /// `items[1]` form the validation problems use (`keyTemplate.rsaBits[0]`).
    @Test("array paths read like the validation paths")
    func arrayPathStyle() {
        let text = sentence(#"{"name":"a","count":1,"items":[{"name":"x"},{}]}"#)
        #expect(text == "missing field 'name' in items[1]")
    }
}
