import CLMContracts
import CLMCrypto
import CLMServiceKit
import Foundation
import Hummingbird

/// What relying parties fetch, without a token, by the URLs in every certificate: each CA's
/// CRL, its certificate (the CA issuers URL) and its OCSP responder (RFC 6960, POST and GET).
struct RevocationRoutes: Sendable {
    let authorities: AuthorityDirectory
    let store: any CAGatewayStore
    let ocsp: AnswerOCSP

    func add(to router: Router<ServiceRequestContext>) {
        router.get("v1/cas/:ca/crl") { request, ctx in
            let authority = try authorities.named(try ctx.parameters.require("ca"))
            guard let der = try await store.revocationList(ca: authority.name, logger: ctx.logger) else {
                throw Problem.unavailable("CA '\(authority.name)' has not signed its first CRL yet; retry")
            }
            let list = try RevocationList(der: der)
            var headers: HTTPFields = [.cacheControl: "public, max-age=60, no-transform"]
            headers[.lastModified] = Self.httpDate(list.thisUpdate)
            if let next = list.nextUpdate { headers[.expires] = Self.httpDate(next) }
            headers[.eTag] = "\"crl-\(list.crlNumber ?? 0)\""
            if Self.wantsPEM(request) {
                headers[.contentType] = "application/x-pem-file"
                return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(string: list.pem)))
            }
            headers[.contentType] = "application/pkix-crl"
            return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: der)))
        }
        router.get("v1/cas/:ca/certificate") { _, ctx in
            let authority = try authorities.named(try ctx.parameters.require("ca"))
            return Response(
                status: .ok,
                headers: [.contentType: "application/pkix-cert", .cacheControl: "public, max-age=86400"],
                body: .init(byteBuffer: ByteBuffer(bytes: authority.issuing.der)))
        }
        router.post("v1/cas/:ca/ocsp") { request, ctx in
            let authority = try authorities.named(try ctx.parameters.require("ca"))
            var request = request
            guard let body = try? await request.collectBody(upTo: OCSPRequest.maximumSize) else {
                return await answer([], authority: authority, ctx: ctx)
            }
            return await answer(Array(buffer: body), authority: authority, ctx: ctx)
        }
        router.get("v1/cas/:ca/ocsp/**") { request, ctx in
            let authority = try authorities.named(try ctx.parameters.require("ca"))
            return await answer(Self.getFormRequest(request.uri.path) ?? [], authority: authority, ctx: ctx)
        }
    }

    private func answer(_ bytes: [UInt8], authority: CertificateAuthority, ctx: ServiceRequestContext) async -> Response
    {
        let (der, cacheable) = await ocsp(bytes, authority: authority, logger: ctx.logger)
        var headers: HTTPFields = [.contentType: "application/ocsp-response"]
        // RFC 5019 §6: signed answers may be cached until shortly before they are due.
        headers[.cacheControl] =
            cacheable ? "public, max-age=\(Int(ocsp.validity / 2)), no-transform, must-revalidate" : "no-store"
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: der)))
    }

    /// The DER request of `GET …/ocsp/{base64}` (RFC 6960 appendix A.1: base64, then URL-encoded;
    /// `/` may appear unencoded and so spans path segments).
    static func getFormRequest(_ path: String) -> [UInt8]? {
        guard let range = path.range(of: "/ocsp/") else { return nil }
        let encoded = String(path[range.upperBound...])
        guard encoded.utf8.count <= OCSPRequest.maximumSize * 2, let text = encoded.removingPercentEncoding else {
            return nil
        }
        let padded = text + String(repeating: "=", count: (4 - text.count % 4) % 4)
        return Data(base64Encoded: text).map(Array.init) ?? Data(base64Encoded: padded).map(Array.init)
    }

    static func wantsPEM(_ request: Request) -> Bool {
        guard let accept = request.headers[.accept]?.lowercased() else { return false }
        return accept.contains("application/x-pem-file") || accept.contains("text/plain")
    }

    static func httpDate(_ date: Date) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss 'GMT'"
        return formatter.string(from: date)
    }
}
