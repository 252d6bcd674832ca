/// The body of `POST /v1/realms`.
public struct CreateRealmBody: Codable, Sendable, Equatable {
    public var id: String
    public var displayName: String
    /// The CAs the realm's policies may name; the platform's defaults when absent.
    public var cas: [String]?

    public init(id: String, displayName: String, cas: [String]? = nil) {
        self.id = id
        self.displayName = displayName
        self.cas = cas
    }
}

/// The body of `PUT /v1/realms/{realm}/members/{subject}`: the member's realm roles (none
/// removes the member).
public struct MemberRolesBody: Codable, Sendable, Equatable {
    public var roles: [String]

    public init(roles: [String]) { self.roles = roles }
}

/// The answer of `GET /v1/realms/{realm}/cas` and of its `PUT`/`DELETE …/cas/{ca}`.
public struct RealmCAsView: Codable, Sendable, Equatable {
    public var realm: String
    public var cas: [String]

    public init(realm: String, cas: [String]) {
        self.realm = realm
        self.cas = cas
    }
}
