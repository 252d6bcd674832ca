import Foundation

/// The verified identity a token carries: who it is and which roles it holds.
///
/// Roles are taken from the token as issued; deciding what a role permits is the caller's job.
/// In particular a platform role does not imply any realm role here.
public struct Principal: Sendable, Equatable {
    /// The platform role that administers CLM itself.
    public static let platformAdminRole = "platform-admin"

    /// The token's subject (`sub`), unique per issuer.
    public var subject: String
    /// The token's issuer (`iss`).
    public var issuer: String
    /// Roles across the platform (claim `clm_roles`, e.g. `["platform-admin"]`).
    public var platformRoles: Set<String>
    /// Roles per realm (claim `clm_realms`, e.g. `{"acme": ["requester", "approver"]}`).
    public var realmRoles: [String: Set<String>]
    /// When the token stops being valid (`exp`, before clock skew).
    public var expiresAt: Date

    public init(
        subject: String, issuer: String, platformRoles: Set<String> = [], realmRoles: [String: Set<String>] = [:],
        expiresAt: Date
    ) {
        self.subject = subject
        self.issuer = issuer
        self.platformRoles = platformRoles
        self.realmRoles = realmRoles
        self.expiresAt = expiresAt
    }

    /// The roles held in `realm`; empty for a realm the token does not mention.
    public func roles(in realm: String) -> Set<String> {
        realmRoles[realm] ?? []
    }

    /// Whether `role` is held in `realm`.
    public func has(_ role: String, in realm: String) -> Bool {
        realmRoles[realm]?.contains(role) ?? false
    }

    /// This principal with `grants` added to its realm roles (roles granted outside the token,
    /// such as realm memberships kept by the registry). Never removes a role.
    public func adding(realmRoles grants: [String: Set<String>]) -> Principal {
        var copy = self
        for (realm, roles) in grants where !roles.isEmpty {
            copy.realmRoles[realm, default: []].formUnion(roles)
        }
        return copy
    }

    /// Whether the platform-admin role is held.
    public var isPlatformAdmin: Bool {
        platformRoles.contains(Self.platformAdminRole)
    }
}
