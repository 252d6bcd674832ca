/// Identifiers of realms, policies and end entities: lower-case letters, digits and dashes,
/// 1–63 characters, starting with a letter or digit. They appear in URLs, topic keys and
/// logs, so nothing else is allowed.
public enum Identifier {
    public static func isValid(_ text: String) -> Bool {
        guard let first = text.utf8.first, text.utf8.count <= 63 else { return false }
        func allowed(_ byte: UInt8) -> Bool { (byte >= 0x61 && byte <= 0x7A) || (byte >= 0x30 && byte <= 0x39) }
        return allowed(first) && text.utf8.allSatisfy { allowed($0) || $0 == 0x2D }
    }

    /// Valid identifiers a realm may not take: `platform` names the audit chain of actions
    /// outside any realm.
    public static let reservedRealms: Set<String> = ["platform"]

}
