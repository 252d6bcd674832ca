/// A realm role a token grants (DESIGN §6), plus the platform role that creates realms.
public enum Role: String, Sendable, CaseIterable {
    case realmAdmin = "realm-admin"
    case requester
    case approver
    case auditor

    /// Not a realm role: may create realms and see every realm's name, nothing inside them.
    public static let platformAdmin = "platform-admin"

    /// The realm roles' names, as tokens and member grants spell them.
    public static let realmRoleNames: Set<String> = Set(allCases.map(\.rawValue))
}
