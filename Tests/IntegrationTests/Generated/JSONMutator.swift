import CLMContracts
import Foundation

/// Structured mutations of a valid JSON body, each named by its family for the figures. A
/// mutation works on the parsed value where it can (wrong types, missing and unknown members)
/// and on the serialised bytes where a `JSONValue` cannot say it (duplicate member names, lone
/// surrogates, invalid UTF-8, numbers beyond `Double`, deep nesting, truncation).
enum JSONMutator {
    typealias Path = [JSONPath.Component]

    struct Mutation: Sendable {
        var family: String
        var bytes: [UInt8]
        /// The Content-Type to send; nil sends none.
        var contentType: String? = "application/json"
    }

    /// Stands in for raw bytes at a value's place until the document is serialised.
    static let marker = "zzHOSTILEzz"

    static func mutate(_ body: JSONValue, using random: inout SeededRandom) -> Mutation {
        let path = random.pick(nodes(in: body))
        switch Int.random(in: 0..<15, using: &random) {
        case 0: return Mutation(family: "wrong-type", bytes: replaced(body, at: path, with: wrongType(&random)))
        case 1: return raw(body, at: path, family: "boundary-number", random.pick(HostileText.numbers))
        case 2: return raw(body, at: path, family: "control-character", HostileText.controlCharacter(&random))
        case 3: return raw(body, at: path, family: "lone-surrogate", random.pick(HostileText.loneSurrogates))
        case 4: return raw(body, at: path, family: "invalid-utf8", HostileText.invalidUTF8(&random))
        case 5:
            let text = HostileText.longString(&random)
            return Mutation(family: "long-string", bytes: replaced(body, at: path, with: .string(text)))
        case 6:
            let text = random.pick(HostileText.oddStrings)
            return Mutation(family: "odd-string", bytes: replaced(body, at: path, with: .string(text)))
        case 7: return raw(body, at: path, family: "deep-nesting", nesting(&random))
        case 8:
            let count = random.pick([100, 1000, 10_000])
            let element = random.pick([JSONValue.string("www"), .number(1), .null, .object([:])])
            return Mutation(
                family: "huge-array",
                bytes: replaced(body, at: path, with: .array(Array(repeating: element, count: count))))
        case 9: return unknownMembers(body, using: &random)
        case 10: return missingMember(body, using: &random)
        case 11: return duplicateMember(body, using: &random)
        case 12, 13: return document(body, using: &random)
        default: return contentType(body, using: &random)
        }
    }

    /// Every node's path: the root, each member and each element, containers included.
    static func nodes(in value: JSONValue, at path: Path = []) -> [Path] {
        switch value {
        case .object(let members):
            [path] + members.keys.sorted().flatMap { nodes(in: members[$0]!, at: path + [.member($0)]) }
        case .array(let elements):
            [path] + elements.indices.flatMap { nodes(in: elements[$0], at: path + [.index($0)]) }
        default: [path]
        }
    }

    /// `value` with the node at `path` replaced (or, for a member name not there, added).
    static func setting(_ value: JSONValue, at path: ArraySlice<JSONPath.Component>, to new: JSONValue?) -> JSONValue? {
        guard let first = path.first else { return new }
        switch (value, first) {
        case (.object(var members), .member(let name)):
            members[name] = setting(members[name] ?? .null, at: path.dropFirst(), to: new)
            return .object(members)
        case (.array(var elements), .index(let index)) where elements.indices.contains(index):
            if let changed = setting(elements[index], at: path.dropFirst(), to: new) {
                elements[index] = changed
            } else {
                elements.remove(at: index)
            }
            return .array(elements)
        default:
            return value
        }
    }

    static func replaced(_ body: JSONValue, at path: Path, with new: JSONValue) -> [UInt8] {
        (setting(body, at: path[...], to: new) ?? .null).serialized
    }

    /// The document with `text` written, as is, where the node at `path` was.
    static func raw(_ body: JSONValue, at path: Path, family: String, _ text: [UInt8]) -> Mutation {
        let bytes = replaced(body, at: path, with: .string(marker))
        return Mutation(family: family, bytes: substitute(Array("\"\(marker)\"".utf8), with: text, in: bytes))
    }

    static func raw(_ body: JSONValue, at path: Path, family: String, _ text: String) -> Mutation {
        raw(body, at: path, family: family, Array(text.utf8))
    }

    /// `bytes` with the first occurrence of `pattern` replaced by `replacement`.
    static func substitute(_ pattern: [UInt8], with replacement: [UInt8], in bytes: [UInt8]) -> [UInt8] {
        guard pattern.count <= bytes.count else { return bytes }
        for start in 0...(bytes.count - pattern.count) where bytes[start..<start + pattern.count].elementsEqual(pattern)
        {
            return Array(bytes[..<start]) + replacement + Array(bytes[(start + pattern.count)...])
        }
        return bytes
    }

    static func wrongType(_ random: inout SeededRandom) -> JSONValue {
        random.pick([
            .null, .bool(true), .bool(false), .number(0), .number(-1), .number(1.5), .string(""), .string("x"),
            .array([]), .array([.null]), .object([:]), .object(["a": .number(1)]),
        ])
    }

    static func nesting(_ random: inout SeededRandom) -> String {
        let depth = random.pick([63, 64, 65, 200, 5000, 100_000])
        if random.chance(1, in: 2) {
            return String(repeating: "[", count: depth) + String(repeating: "]", count: depth)
        }
        return String(repeating: #"{"a":"#, count: depth) + "1" + String(repeating: "}", count: depth)
    }

    /// An object anywhere in the body (the root if none), its path.
    static func objectPath(in body: JSONValue, using random: inout SeededRandom) -> Path {
        let objects = nodes(in: body).filter {
            if case .object = get(body, at: $0[...]) { return true }
            return false
        }
        return objects.isEmpty ? [] : random.pick(objects)
    }

    static func get(_ value: JSONValue, at path: ArraySlice<JSONPath.Component>) -> JSONValue? {
        guard let first = path.first else { return value }
        switch (value, first) {
        case (.object(let members), .member(let name)): return members[name].flatMap { get($0, at: path.dropFirst()) }
        case (.array(let elements), .index(let index)) where elements.indices.contains(index):
            return get(elements[index], at: path.dropFirst())
        default: return nil
        }
    }
}
