import CLMContracts
import CLMCrypto
import Testing

/// The audit hash chain: a fixed vector computed independently (Python's hashlib), and every
/// kind of tampering found at the right record.
@Suite("Audit chain")
struct AuditChainTests {
    static let genesis = AuditRecord.genesisHash

    static func record(_ sequence: Int, previous: String, actor: String = "alice@acme.example", details: String = "d")
        -> AuditRecord
    {
        var record = AuditRecord(
            service: "intake", realm: "acme", sequence: sequence, at: "2026-11-30T21:00:0\(sequence % 10).000Z",
            actor: actor,
            action: "request.submitted", target: "t\(sequence)", details: details, previousHash: previous, hash: "")
        record.hash = AuditChain.hash(previous: previous, fields: record.chainFields)
        return record
    }

    static func chain(_ count: Int) -> [AuditRecord] {
        var records: [AuditRecord] = []
        for sequence in 1...count {
            records.append(record(sequence, previous: records.last?.hash ?? genesis))
        }
        return records
    }

    static func check(_ records: [AuditRecord]) -> AuditChain.Break? {
        AuditChain.firstBreak(records.map { ($0.sequence, $0.previousHash, $0.hash, $0.chainFields) }, genesis: genesis)
    }

    @Test("the hash matches an independent implementation, including non-ASCII text")
    func knownVector() {
        let first = AuditChain.hash(
            previous: Self.genesis,
            fields: [
                "intake", "acme", "1", "2026-11-30T21:00:00.000Z", "alice@acme.example", "request.submitted",
                "6f1c2a4e",
                "policy web-server v1, key csr",
            ])
        #expect(first == "edbc32d7439075fb291d735e02a1c23b14230b9dffcbd2233078b0dfe87d4eee")
        let second = AuditChain.hash(
            previous: first,
            fields: ["intake", "acme", "2", "2026-11-30T21:00:01.000Z", "bob", "request.submitted", "x", "ünïcode €"])
        #expect(second == "edc4cfcea7105084312a2afc093629e346537e825819b66597ca10df754143ca")
    }

    @Test("length prefixes keep fields apart: moving text between fields changes the hash")
    func fieldBoundaries() {
        let a = AuditChain.hash(previous: Self.genesis, fields: ["ab", "c"])
        let b = AuditChain.hash(previous: Self.genesis, fields: ["a", "bc"])
        let c = AuditChain.hash(previous: Self.genesis, fields: ["a\n1:b", "c"])
        #expect(Set([a, b, c]).count == 3)
    }

    @Test("an intact chain passes; an empty one too")
    func intact() {
        #expect(Self.check(Self.chain(5)) == nil)
        #expect(Self.check([]) == nil)
    }

    @Test("a changed field, a forged hash, a deletion, an insertion, a swap and a foreign genesis are each found")
    func tampering() {
        var changed = Self.chain(5)
        changed[2].actor = "mallory"
        #expect(Self.check(changed)?.sequence == 3)

        // Rehashing the changed record moves the break to the next one, which still names the old hash.
        var rehashed = changed
        rehashed[2].hash = AuditChain.hash(previous: rehashed[2].previousHash, fields: rehashed[2].chainFields)
        #expect(Self.check(rehashed)?.sequence == 4)

        var deleted = Self.chain(5)
        deleted.remove(at: 1)
        #expect(
            Self.check(deleted)
                == AuditChain.Break(
                    sequence: 3, reason: "expected record 2 here: a record is missing or out of place"))

        var lastDropped = Self.chain(5)
        lastDropped.removeLast()
        // Truncating the tail is invisible to the chain alone: the published copy on the
        // lifecycle topic (or a recorded head hash) is what reveals it.
        #expect(Self.check(lastDropped) == nil)

        var swapped = Self.chain(5)
        swapped.swapAt(1, 2)
        #expect(Self.check(swapped)?.sequence == 3)

        let foreign = [Self.record(1, previous: String(repeating: "f", count: 64))]
        #expect(Self.check(foreign)?.reason == "its previous hash does not match the record before it")
    }
}
