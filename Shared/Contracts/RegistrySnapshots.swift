import Foundation

/// Latest state of a realm (`clm.registry.realm.v1`).
public struct RealmSnapshot: Codable, Sendable, Equatable {
    public var realm: String
    public var displayName: String
    public var createdAt: Date
    public init(realm: String, displayName: String, createdAt: Date) {
        self.realm = realm
        self.displayName = displayName
        self.createdAt = createdAt
    }
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
