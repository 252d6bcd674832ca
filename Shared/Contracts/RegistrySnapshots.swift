import Foundation

/// Latest state of a realm (`clm.registry.realm.v1`).
public struct RealmSnapshot: Codable, Sendable, Equatable {
    public var realm: String
    public var displayName: String
    public var createdAt: Date
    /// The CAs the realm's policies may name, assigned by the platform admin; nil in records
    /// written before realms had CAs, which means `defaultCAs`.
    public var cas: [String]?

    /// The CAs of a realm created without a list.
    public static let defaultCAs = ["default"]

    public init(realm: String, displayName: String, createdAt: Date, cas: [String]? = nil) {
        self.realm = realm
        self.displayName = displayName
        self.createdAt = createdAt
        self.cas = cas
    }

    /// The CAs in effect.
    public var knownCAs: [String] { cas ?? Self.defaultCAs }
}

/// One immutable policy version (`clm.registry.policy.v1`).
public struct PolicySnapshot: Codable, Sendable, Equatable {
    public var realm: String
    public var policy: String
    public var version: Int
    public var document: PolicyDocument
    public var createdAt: Date
    public init(realm: String, policy: String, version: Int, document: PolicyDocument, createdAt: Date) {
        self.realm = realm
        self.policy = policy
        self.version = version
        self.document = document
        self.createdAt = createdAt
    }
}

/// Latest revision of an end entity (`clm.registry.end-entity.v1`).
public struct EndEntitySnapshot: Codable, Sendable, Equatable {
    public var realm: String
    public var entity: EndEntity
    public var revision: Int
    public init(realm: String, entity: EndEntity, revision: Int) {
        self.realm = realm
        self.entity = entity
        self.revision = revision
    }
}

/// The roles a realm admin granted one principal in a realm (`clm.registry.member.v1`).
///
/// Empty `roles` means the membership was removed. Services add these roles to the ones the
/// principal's token carries (docs/decisions/0010).
public struct MemberSnapshot: Codable, Sendable, Equatable {
    public var realm: String
    /// The token subject (`sub`) the roles are granted to.
    public var subject: String
    public var roles: [String]
    /// Increases with every change of this membership; readers ignore older revisions.
    public var revision: Int
    public var updatedAt: Date
    public init(realm: String, subject: String, roles: [String], revision: Int, updatedAt: Date) {
        self.realm = realm
        self.subject = subject
        self.roles = roles
        self.revision = revision
        self.updatedAt = updatedAt
    }

    /// The roles a membership can grant (`platform-admin` never comes from a realm).
    public static let grantableRoles: Set<String> = Role.realmRoleNames
}
