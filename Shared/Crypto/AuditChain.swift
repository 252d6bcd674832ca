/// The audit trail's hash chain, kept free of I/O so services and `clm audit verify` share it.
///
/// A record's hash is SHA-256 over the previous hash and its fields, each written as
/// `<byte count>:<bytes>\n`: no field can bleed into the next, and anyone can recompute it
/// with a few lines in any language.
public enum AuditChain {
    /// Lower-case hex SHA-256 of `previous` followed by `fields`.
    public static func hash(previous: String, fields: [String]) -> String {
        var input: [UInt8] = []
        for field in [previous] + fields {
            input += Array("\(field.utf8.count):".utf8) + Array(field.utf8) + [0x0A]
        }
        return Digest.sha256(input).map { byte in
            let hex = String(byte, radix: 16)
            return byte < 16 ? "0" + hex : hex
        }.joined()
    }

    /// Where a chain first breaks.
    public struct Break: Error, Equatable, Sendable, CustomStringConvertible {
        /// The sequence number of the first record that does not fit.
        public var sequence: Int
        public var reason: String
        public init(sequence: Int, reason: String) {
            self.sequence = sequence
            self.reason = reason
        }
        public var description: String { "record \(sequence): \(reason)" }
    }

    /// Checks records given in chain order as (sequence, previous hash, stored hash, fields),
    /// starting from `genesis`; nil when the chain holds.
    public static func firstBreak(
        _ records: [(sequence: Int, previousHash: String, hash: String, fields: [String])], genesis: String
    ) -> Break? {
        var expectedPrevious = genesis
        var expectedSequence = 1
        for record in records {
            if record.sequence != expectedSequence {
                return Break(
                    sequence: record.sequence,
                    reason: "expected record \(expectedSequence) here: a record is missing or out of place")
            }
            if record.previousHash != expectedPrevious {
                return Break(sequence: record.sequence, reason: "its previous hash does not match the record before it")
            }
            let computed = hash(previous: record.previousHash, fields: record.fields)
            if computed != record.hash {
                return Break(
                    sequence: record.sequence, reason: "its content does not match its hash (changed after writing)")
            }
            expectedPrevious = record.hash
            expectedSequence += 1
        }
        return nil
    }
}
