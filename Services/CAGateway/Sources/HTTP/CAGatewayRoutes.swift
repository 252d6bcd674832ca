import CLMContracts
import CLMServiceKit
import Foundation
import Hummingbird

/// The module's routes: the CAs, what relying parties fetch, and the realms' inventories.
extension CAGatewayModule {
    public func addRoutes(to router: Router<ServiceRequestContext>) {
        CAGatewayRoutes(authorities: authorities, store: store).add(to: router)
        RevocationRoutes(authorities: authorities, store: store, ocsp: ocsp).add(to: router)
        InventoryRoutes(store: store, revoke: revoke).add(to: router)
    }
}

/// The gateway's API about its CAs: the list, their chains and availability.
struct CAGatewayRoutes: Sendable {
    let authorities: AuthorityDirectory
    let store: any CAGatewayStore

    func add(to router: Router<ServiceRequestContext>) {
        router.get("v1/cas") { _, ctx in
            _ = try ctx.requirePrincipal()
            let listed = try await ListAuthorities(authorities: authorities, store: store)(logger: ctx.logger)
            return JSONResponse(listed.map { Self.view($0.authority, suspended: $0.suspended) })
        }
        router.get("v1/cas/:ca/chain") { _, ctx in
            let authority = try requireAuthority(ctx)
            return Response(
                status: .ok, headers: [.contentType: "application/pem-certificate-chain"],
                body: .init(byteBuffer: ByteBuffer(string: authority.chainPEM)))
        }
        router.put("v1/cas/:ca/availability") { request, ctx in
            let principal = try ctx.authorizePlatform(.operateCA)
            let authority = try requireAuthority(ctx)
            let body = try await request.decodeJSON(CAAvailabilityBody.self, limit: 4096)
            let suspended = try await SetCAAvailability(store: store)(
                authority, available: body.available, reason: body.reason, by: principal.subject, logger: ctx.logger)
            return JSONResponse(Self.view(authority, suspended: suspended))
        }
    }

    private func requireAuthority(_ ctx: ServiceRequestContext) throws -> CertificateAuthority {
        _ = try ctx.requirePrincipal()
        return try authorities.named(try ctx.parameters.require("ca"))
    }

    private static func view(_ authority: CertificateAuthority, suspended: String?) -> AuthorityView {
        AuthorityView(
            name: authority.name, subject: authority.issuing.subject, key: authority.issuingKeySpec.description,
            notAfter: authority.issuing.notAfter, rootFingerprintSHA256: authority.root.fingerprintSHA256Hex,
            available: suspended == nil, unavailableReason: suspended)
    }
}
