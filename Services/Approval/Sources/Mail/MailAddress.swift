/// A mailbox address in its plain `local@domain` form, as used in MAIL FROM / RCPT TO and the
/// address headers.
///
/// Deliberately stricter than RFC 5321: the local part is a dot-atom (no quoted strings), the
/// domain a host name or an address literal, and everything ASCII (internationalised addresses
/// would need SMTPUTF8). That rules out what could break the protocol or a header: CR, LF,
/// spaces, angle brackets, commas, quotes, control characters.
public struct MailAddress: Sendable, Hashable, CustomStringConvertible {
    public let localPart: String
    public let domain: String

    public var description: String { "\(localPart)@\(domain)" }

    public init(_ address: String) throws(SMTPError) {
        func invalid(_ why: String) -> SMTPError {
            // Keep control characters out of the error text (it ends up in logs).
            let shown = String(
                String.UnicodeScalarView(
                    address.unicodeScalars.prefix(100).map {
                        $0.value < 0x20 || $0.value == 0x7F ? "?" : $0
                    }))
            return SMTPError(.invalidAddress, reason: "invalid mail address '\(shown)': \(why)")
        }
        let bytes = Array(address.utf8)
        guard !bytes.isEmpty else { throw invalid("empty") }
        guard bytes.count <= 254 else { throw invalid("longer than 254 characters") }
        guard bytes.allSatisfy({ (0x21...0x7E).contains($0) }) else {
            throw invalid("only printable ASCII without spaces or line breaks is allowed")
        }
        let ats = bytes.indices.filter { bytes[$0] == UInt8(ascii: "@") }
        guard ats.count == 1, let at = ats.first else { throw invalid("expected exactly one '@'") }
        let local = bytes[..<at]
        let domain = bytes[(at + 1)...]
        guard !local.isEmpty, local.count <= 64 else { throw invalid("local part must have 1 to 64 characters") }
        guard Self.isDotAtom(local) else { throw invalid("local part is not a dot-atom") }
        guard Self.isDomain(domain) else { throw invalid("domain is not a host name or address literal") }
        self.localPart = String(decoding: local, as: UTF8.self)
        self.domain = String(decoding: domain, as: UTF8.self)
    }

    /// RFC 5322 `atext`: letters, digits and ``!#$%&'*+-/=?^_`{|}~``.
    static func isAtext(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"):
            true
        default:
            Array("!#$%&'*+-/=?^_`{|}~".utf8).contains(byte)
        }
    }

    static func isDotAtom(_ bytes: ArraySlice<UInt8>) -> Bool {
        let atoms = bytes.split(separator: UInt8(ascii: "."), omittingEmptySubsequences: false)
        return atoms.allSatisfy { !$0.isEmpty && $0.allSatisfy(isAtext) }
    }

    private static func isDomain(_ bytes: ArraySlice<UInt8>) -> Bool {
        guard !bytes.isEmpty, bytes.count <= 253 else { return false }
        if bytes.first == UInt8(ascii: "[") {
            // Address literal: [192.0.2.1] or [IPv6:2001:db8::1].
            guard bytes.count > 2, bytes.last == UInt8(ascii: "]") else { return false }
            return bytes.dropFirst().dropLast().allSatisfy {
                isAlphanumeric($0) || $0 == UInt8(ascii: ".") || $0 == UInt8(ascii: ":")
            }
        }
        let labels = bytes.split(separator: UInt8(ascii: "."), omittingEmptySubsequences: false)
        return labels.allSatisfy { label in
            !label.isEmpty && label.count <= 63 && label.first != UInt8(ascii: "-")
                && label.last != UInt8(ascii: "-")
                && label.allSatisfy { isAlphanumeric($0) || $0 == UInt8(ascii: "-") }
        }
    }

    private static func isAlphanumeric(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"):
            true
        default:
            false
        }
    }
}
