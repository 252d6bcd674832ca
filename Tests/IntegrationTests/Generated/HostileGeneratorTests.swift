import CLMContracts
import Foundation
import Testing

/// The generator itself, without I/O: a seed replays exactly, and the stream holds every kind
/// of attack the issue names.
@Suite("Hostile input generator")
struct HostileGeneratorTests {
    static let target = HostileTarget(
        "submit", "POST", "/v1/realms/r1/requests",
        body: .object([
            "policy": .string("web-server"), "entities": .array([.string("www")]), "validityDays": .number(30),
            "csr": .string("-----BEGIN CERTIFICATE REQUEST-----\nMIIBAA==\n-----END CERTIFICATE REQUEST-----\n"),
        ]),
        headers: ["Authorization": "Bearer aGVhZGVy.Y2xhaW1z.c2ln"], query: [("state", "all")], fixed: ["requests"])

    static func stream(seed: UInt64, count: Int) -> [HostileInput] {
        var random = SeededRandom(seed: seed)
        return (0..<count).map { _ in HostileGenerator.input(target, using: &random) }
    }

    /// One input as text, headers in order (a dictionary's own order differs per instance).
    static func text(_ input: HostileInput) -> String {
        let headers = input.headers.sorted { $0.key < $1.key }.map { "\($0.key): \($0.value)" }
        return "\(input.method) \(input.path) \(headers) \(input.body ?? [])"
    }

    @Test("the same seed makes the same inputs; another seed others")
    func replays() {
        let first = Self.stream(seed: 42, count: 300).map(Self.text)
        let again = Self.stream(seed: 42, count: 300).map(Self.text)
        let other = Self.stream(seed: 43, count: 300).map(Self.text)
        let differing = zip(first, again).filter { $0 != $1 }.count
        #expect(differing == 0, "\(differing) of 300 inputs differ between two runs of seed 42")
        #expect(zip(first, other).filter { $0 != $1 }.count > 100, "seeds 42 and 43 make nearly the same inputs")
    }

    @Test("ten thousand inputs hold every family of attack, and the raw bytes they promise")
    func families() {
        let inputs = Self.stream(seed: 7, count: 10_000)
        let families = Set(inputs.map(\.family))
        for family in [
            "wrong-type", "boundary-number", "control-character", "lone-surrogate", "invalid-utf8", "long-string",
            "odd-string", "deep-nesting", "huge-array", "unknown-member", "missing-member", "duplicate-member",
            "truncated", "content-type", "path", "query", "header", "method", "valid", "csr-der-bit-flip",
        ] {
            #expect(families.contains(family), "no \(family) input")
        }
        let bodies = inputs.compactMap(\.body)
        #expect(bodies.contains { String(decoding: $0, as: UTF8.self).contains("\\ud800") }, "no lone surrogate")
        #expect(
            bodies.contains { String(validatingUTF8: $0.map { CChar(bitPattern: $0) } + [0]) == nil },
            "no invalid UTF-8")
        #expect(bodies.contains { $0.count > 256 * 1024 }, "nothing over the body limit")
        // A duplicate member really is one: the same name twice in one object.
        let duplicate = inputs.first { $0.family == "duplicate-member" }?.body ?? []
        #expect(throws: JSONValue.ParseError.self) { try JSONValue.parse(duplicate, maximumDepth: 64) }
        // Every generated path is one a URL can hold.
        #expect(inputs.allSatisfy { URL(string: $0.path, relativeTo: URL(string: "http://127.0.0.1:1")!) != nil })
    }

    @Test("a mutation at a path changes that node and keeps the rest")
    func setting() throws {
        let body = Self.target.body!
        let changed = try #require(JSONMutator.setting(body, at: [.member("entities"), .index(0)], to: .number(1)))
        #expect(changed.objectValue?["entities"] == .array([.number(1)]))
        #expect(changed.objectValue?["policy"] == .string("web-server"))
        let removed = try #require(JSONMutator.setting(body, at: [.member("csr")], to: nil))
        #expect(removed.objectValue?["csr"] == nil && removed.objectValue?.count == 3)
        #expect(JSONMutator.nodes(in: body).count == 6)
    }
}
