import CLMContracts
import CLMIdentity
import Hummingbird

/// A call that passed authorisation: the realm of its path and who made it.
public struct Authorization: Sendable {
    public var realm: String
    public var principal: Principal
    public var subject: String { principal.subject }
}

extension ServiceRequestContext {
    /// The `:realm` path parameter, checked against the caller's roles for `permission`.
    /// Anything that is not a valid identifier, and any realm the caller has no role in, is a
    /// 404 like an unknown realm — never a hint about what exists.
    public func authorize(_ permission: Permission) throws -> Authorization {
        try AccessPolicy.authorize(
            permission, principal: try requirePrincipal(), realm: try parameters.require("realm"))
    }

    /// Authorises a call that names no realm (creating realms).
    public func authorizePlatform(_ permission: Permission) throws -> Principal {
        let principal = try requirePrincipal()
        guard AccessPolicy.decide(permission, principal: principal, realm: "") == .allow else {
            throw Problem.forbidden(permission, needs: [])
        }
        return principal
    }
}

extension AccessPolicy {
    /// `decide` as the API answers it, for any way a call names its realm (a path, a Kafka
    /// command's envelope): an invalid or foreign realm is a 404 like an unknown one, a missing
    /// role a 403 naming the roles that would do.
    public static func authorize(_ permission: Permission, principal: Principal, realm: String) throws -> Authorization
    {
        guard Identifier.isValid(realm) else { throw Problem.notFound("realm '\(realm)'") }
        switch decide(permission, principal: principal, realm: realm) {
        case .allow:
            return Authorization(realm: realm, principal: principal)
        case .hidden:
            throw Problem.notFound("realm '\(realm)'")
        case .forbidden(let needs):
            throw Problem.forbidden(permission, needs: needs)
        }
    }
}

extension Problem {
    static func forbidden(_ permission: Permission, needs: [Role]) -> Problem {
        let roles = needs.isEmpty ? Role.platformAdmin : needs.map(\.rawValue).joined(separator: " or ")
        return Problem.forbidden("forbidden", "\(permission.rawValue) needs the role \(roles)")
    }
}
