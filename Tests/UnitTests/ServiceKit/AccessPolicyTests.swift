import CLMIdentity
import Foundation
import Testing

@testable import CLMServiceKit

/// Every cell of the authorisation matrix: each permission × each realm role (and none, and
/// platform-admin) × own realm or a foreign one.
@Suite("Access policy")
struct AccessPolicyTests {
    static let realm = "acme"
    static let foreign = "globex"

    static func principal(_ roles: Set<String>, platformAdmin: Bool = false) -> Principal {
        Principal(
            subject: "someone", issuer: "clm-dev", platformRoles: platformAdmin ? ["platform-admin"] : [],
            realmRoles: roles.isEmpty ? [:] : [realm: roles], expiresAt: Date().addingTimeInterval(60))
    }

    /// The expected matrix, written out by hand (not derived from `Permission.roles`), so a
    /// change to the code cannot silently change what is tested.
    static let allowed: [Permission: Set<String>] = [
        .createRealm: [],
        .operateCA: [],
        .assignCA: [],
        .readPlatformAudit: [],
        .readRealm: ["realm-admin", "requester", "approver", "auditor"],
        .manageRealm: ["realm-admin"],
        .readRegistry: ["realm-admin", "requester", "approver", "auditor"],
        .submitRequest: ["requester"],
        .readRequests: ["realm-admin", "requester", "approver", "auditor"],
        .listApprovals: ["realm-admin", "approver", "auditor"],
        .decideApproval: ["approver"],
        .downloadKey: ["requester"],
        .readCertificates: ["realm-admin", "requester", "approver", "auditor"],
        .revokeCertificate: ["realm-admin", "requester"],
        .readAudit: ["realm-admin", "auditor"],
        .readMembers: ["realm-admin", "auditor"],
    ]

    @Test(
        "own realm: each role is allowed exactly what the matrix says, and refused with 403 otherwise",
        arguments: Permission.allCases)
    func ownRealm(permission: Permission) throws {
        let expected = try #require(Self.allowed[permission])
        for role in ["realm-admin", "requester", "approver", "auditor"] {
            let decision = AccessPolicy.decide(permission, principal: Self.principal([role]), realm: Self.realm)
            if expected.contains(role) {
                #expect(decision == .allow, "\(role) should be allowed \(permission)")
            } else if permission.isPlatformWide {
                #expect(decision == .forbidden(needs: []), "\(role) must not \(permission)")
            } else {
                guard case .forbidden = decision else {
                    Issue.record("\(role) should be forbidden \(permission), got \(decision)")
                    continue
                }
            }
        }
    }

    @Test("a foreign realm is hidden (404) whatever roles are held elsewhere", arguments: Permission.allCases)
    func foreignRealm(permission: Permission) {
        guard !permission.isPlatformWide else { return }
        let everything = Self.principal(["realm-admin", "requester", "approver", "auditor"])
        let decision = AccessPolicy.decide(permission, principal: everything, realm: Self.foreign)
        #expect(decision == .hidden, "\(permission) in a foreign realm: \(decision)")
    }

    @Test("platform-admin creates realms and sees their names, nothing inside them")
    func platformAdmin() {
        let admin = Self.principal([], platformAdmin: true)
        #expect(AccessPolicy.decide(.createRealm, principal: admin, realm: "") == .allow)
        #expect(AccessPolicy.decide(.operateCA, principal: admin, realm: "") == .allow)
        #expect(AccessPolicy.decide(.readRealm, principal: admin, realm: Self.foreign) == .allow)
        for permission in Permission.allCases where !permission.isPlatformWide && permission != .readRealm {
            #expect(AccessPolicy.decide(permission, principal: admin, realm: Self.foreign) == .hidden, "\(permission)")
        }
    }

    @Test("registry memberships add realm roles to the token's and never remove any")
    func memberships() {
        let token = Self.principal(["requester"])
        let merged = token.adding(realmRoles: [Self.realm: ["approver"], Self.foreign: ["auditor"], "empty": []])
        #expect(merged.roles(in: Self.realm) == ["requester", "approver"])
        #expect(merged.roles(in: Self.foreign) == ["auditor"])
        #expect(merged.realmRoles["empty"] == nil, "an empty grant must not make a realm appear")
        #expect(AccessPolicy.decide(.decideApproval, principal: merged, realm: Self.realm) == .allow)
        #expect(AccessPolicy.decide(.readRequests, principal: merged, realm: Self.foreign) == .allow)
        #expect(
            AccessPolicy.decide(.submitRequest, principal: merged, realm: Self.foreign)
                == .forbidden(needs: [.requester]))
        #expect(merged.platformRoles == token.platformRoles && merged.subject == token.subject)
    }

    @Test("unknown role names grant nothing")
    func unknownRoles() {
        let odd = Self.principal(["admin", "superuser", "REALM-ADMIN"])
        // Unknown names do not make the realm visible either.
        #expect(AccessPolicy.decide(.readRequests, principal: odd, realm: Self.realm) == .hidden)
    }

    @Test("only requesters are limited to their own requests")
    func ownRequestsOnly() {
        #expect(!AccessPolicy.seesAllRequests(Self.principal(["requester"]), realm: Self.realm))
        for role in ["realm-admin", "approver", "auditor"] {
            #expect(AccessPolicy.seesAllRequests(Self.principal([role, "requester"]), realm: Self.realm))
        }
    }

    @Test("public paths are exactly health, metrics, verification links, CRLs, CA certificates and OCSP")
    func publicPaths() {
        for path in [
            "/health/live", "/health/ready", "/metrics", "/v1/verify/abc", "/v1/cas/default/crl",
            "/v1/cas/default/certificate", "/v1/cas/default/ocsp",
            "/v1/cas/default/ocsp/MEIwQDA%2BMDwwOjAJBgUrDgMCGgUA",
        ] {
            #expect(AuthenticationMiddleware.isPublic(path), "\(path)")
        }
        for path in [
            "/v1/realms", "/v1/cas", "/v1/cas/default/chain", "/v1/cas/default/crl/x", "/metrics/x", "/healthz",
            "/v1/verify", "/v1/realms/acme/requests", "/v1/cas/default/certificate/x", "/v1/cas/default/availability",
            "/v1/cas/default", "/v1/realms/acme/certificates/01/revoke",
        ] {
            #expect(!AuthenticationMiddleware.isPublic(path), "\(path)")
        }
    }
}
