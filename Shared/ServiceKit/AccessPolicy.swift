import CLMContracts
import CLMIdentity

/// What a call wants to do inside a realm.
public enum Permission: String, Sendable, CaseIterable {
    /// Create a realm (platform-admin).
    case createRealm
    /// Take a CA out of service and back (platform-admin).
    case operateCA
    /// Assign CAs to realms (platform-admin).
    case assignCA
    /// Read the platform audit chain: failed logins, realm creation, CA operations (platform-admin).
    case readPlatformAudit
    /// See that a realm exists and its name.
    case readRealm
    /// Change the realm's policies, end entities, members and CAs.
    case manageRealm
    /// Read policies, end entities and the realm's CAs.
    case readRegistry
    /// See who holds which role in the realm.
    case readMembers
    case submitRequest
    /// Read requests; requesters see only their own (`AccessPolicy.seesAllRequests`).
    case readRequests
    case listApprovals
    case decideApproval
    /// Download a server-generated key; the handler also checks the caller is the requester.
    case downloadKey
    case readCertificates
    /// Revoke a certificate; the handler also checks that a requester revokes only their own.
    case revokeCertificate
    case readAudit

    /// Permissions that name no realm and only platform-admin holds.
    public var isPlatformWide: Bool { [.createRealm, .operateCA, .assignCA, .readPlatformAudit].contains(self) }

    /// Realm roles that grant the permission.
    public var roles: Set<Role> {
        switch self {
        case .createRealm, .operateCA, .assignCA, .readPlatformAudit: []
        case .readRealm, .readRegistry, .readRequests, .readCertificates: Set(Role.allCases)
        case .manageRealm: [.realmAdmin]
        case .submitRequest, .downloadKey: [.requester]
        case .listApprovals: [.approver, .realmAdmin, .auditor]
        case .decideApproval: [.approver]
        case .readAudit, .readMembers: [.auditor, .realmAdmin]
        case .revokeCertificate: [.requester, .realmAdmin]
        }
    }
}

/// The authorisation matrix, as a pure function so every cell can be tested without I/O.
public enum AccessPolicy {
    public enum Decision: Equatable, Sendable {
        case allow
        /// The caller has no role in the realm: answer 404, exactly as for a realm that does
        /// not exist, so nothing leaks about other tenants.
        case hidden
        /// The caller belongs to the realm but lacks the role.
        case forbidden(needs: [Role])
    }

    public static func decide(_ permission: Permission, principal: Principal, realm: String) -> Decision {
        if permission.isPlatformWide {
            return principal.isPlatformAdmin ? .allow : .forbidden(needs: [])
        }
        if permission == .readRealm && principal.isPlatformAdmin { return .allow }
        let held = Set(principal.roles(in: realm).compactMap(Role.init(rawValue:)))
        if held.isEmpty { return .hidden }
        if !held.isDisjoint(with: permission.roles) { return .allow }
        return .forbidden(needs: permission.roles.sorted { $0.rawValue < $1.rawValue })
    }

    /// Whether `principal` reads every request of the realm, not only their own.
    public static func seesAllRequests(_ principal: Principal, realm: String) -> Bool {
        !principal.roles(in: realm).isDisjoint(with: [Role.realmAdmin, .approver, .auditor].map(\.rawValue))
    }
}
