import CLMContracts
import Foundation

extension JSONMutator {
    static func unknownMembers(_ body: JSONValue, using random: inout SeededRandom) -> Mutation {
        let path = objectPath(in: body, using: &random)
        var changed = body
        for _ in 0..<random.pick([1, 1, 3, 500]) {
            let name = random.chance(1, in: 2) ? random.pick(HostileText.memberNames) : "x\(random.next() % 100_000)"
            changed = setting(changed, at: (path + [.member(name)])[...], to: wrongType(&random)) ?? changed
        }
        return Mutation(family: "unknown-member", bytes: changed.serialized)
    }

    static func missingMember(_ body: JSONValue, using random: inout SeededRandom) -> Mutation {
        let path = objectPath(in: body, using: &random)
        guard case .object(let members)? = get(body, at: path[...]),
            let name = members.keys.sorted().randomElement(using: &random)
        else { return Mutation(family: "missing-member", bytes: Array("{}".utf8)) }
        return Mutation(
            family: "missing-member",
            bytes: (setting(body, at: (path + [.member(name)])[...], to: nil) ?? .null).serialized)
    }

    /// A member name twice in one object, the second time with another value.
    static func duplicateMember(_ body: JSONValue, using random: inout SeededRandom) -> Mutation {
        let path = objectPath(in: body, using: &random)
        guard case .object(let members)? = get(body, at: path[...]),
            let name = members.keys.sorted().randomElement(using: &random)
        else { return Mutation(family: "duplicate-member", bytes: Array(#"{"a":1,"a":2}"#.utf8)) }
        let placeholder = setting(body, at: (path + [.member(marker)])[...], to: wrongType(&random)) ?? body
        let bytes = substitute(
            Array("\"\(marker)\"".utf8), with: Array(JSONValue.string(name).serialized), in: placeholder.serialized)
        return Mutation(family: "duplicate-member", bytes: bytes)
    }

    /// Damage to the document as a whole: cut short, a bit flipped, bytes inserted, wrapped,
    /// prefixed with a byte-order mark, followed by garbage or a second document, or gone.
    static func document(_ body: JSONValue, using random: inout SeededRandom) -> Mutation {
        var bytes = body.serialized
        let family: String
        switch Int.random(in: 0..<9, using: &random) {
        case 0:
            bytes = Array(bytes.prefix(Int.random(in: 0..<max(bytes.count, 1), using: &random)))
            family = "truncated"
        case 1:
            let index = Int.random(in: 0..<bytes.count, using: &random)
            bytes[index] ^= 1 << UInt8.random(in: 0...7, using: &random)
            family = "bit-flip"
        case 2:
            bytes.insert(
                contentsOf: random.bytes(Int.random(in: 1...8, using: &random)),
                at: Int.random(in: 0...bytes.count, using: &random))
            family = "bytes-inserted"
        case 3:
            bytes = [0xEF, 0xBB, 0xBF] + bytes
            family = "byte-order-mark"
        case 4:
            bytes += random.pick([Array(" x".utf8), Array(",".utf8), [0], bytes, Array("}".utf8)])
            family = "trailing-garbage"
        case 5:
            bytes = Array(random.pick(["", " ", "\n", "null", "[]", "\"\"", "0", "true", "{}", "[{}]"]).utf8)
            family = "other-document"
        case 6:
            bytes = Array("[".utf8) + bytes + Array("]".utf8)
            family = "wrapped"
        case 7:
            bytes = random.bytes(Int.random(in: 1...512, using: &random))
            family = "random-bytes"
        default:
            bytes = Array(String(decoding: bytes, as: UTF8.self).replacingOccurrences(of: "\"", with: "'").utf8)
            family = "single-quotes"
        }
        return Mutation(family: family, bytes: bytes)
    }

    /// A valid body sent as something else, or the body in another encoding.
    static func contentType(_ body: JSONValue, using random: inout SeededRandom) -> Mutation {
        let types: [String?] = [
            nil, "text/plain", "application/xml", "application/x-www-form-urlencoded",
            "multipart/form-data; boundary=x",
            "application/json; charset=iso-8859-1", "application/json-seq", "*/*", "garbage",
            "application/ocsp-request",
            "application/merge-patch+json", "APPLICATION/JSON", "application/json;;", "",
        ]
        var bytes = body.serialized
        if random.chance(1, in: 4) {
            // UTF-16 with a byte-order mark: valid JSON text in an encoding RFC 8259 forbids on the wire.
            bytes =
                [0xFF, 0xFE]
                + String(decoding: bytes, as: UTF8.self).utf16.flatMap { [UInt8($0 & 0xFF), UInt8($0 >> 8)] }
        }
        return Mutation(family: "content-type", bytes: bytes, contentType: random.pick(types))
    }
}
