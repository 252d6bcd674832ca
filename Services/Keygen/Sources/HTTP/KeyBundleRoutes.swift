import CLMContracts
import CLMServiceKit
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

/// `POST /v1/realms/{realm}/requests/{id}/key-bundle?format=pkcs12|pem`: the requester's one
/// download of a server-side key.
struct KeyBundleRoutes: Sendable {
    let download: DownloadKeyBundle

    func add(to router: Router<ServiceRequestContext>) {
        router.post("v1/realms/:realm/requests/:id/key-bundle") { request, ctx in
            try await downloadBundle(request, ctx)
        }
    }

    private func downloadBundle(_ request: Request, _ ctx: ServiceRequestContext) async throws -> Response {
        let access = try ctx.authorize(.downloadKey)
        let text = try ctx.parameters.require("id")
        guard let id = UUID(uuidString: text) else { throw Problem.notFound("request '\(text)'") }
        guard let format = BundleFormat(rawValue: request.uri.queryParameters.get("format") ?? "pkcs12") else {
            throw Problem.invalid("invalid-query", "format: must be pkcs12 or pem")
        }
        let body = try await request.decodeJSON(KeyBundleBody.self, limit: 4096)
        var logger = ctx.logger
        logger[metadataKey: "realm"] = "\(access.realm)"
        logger[metadataKey: "request.id"] = "\(id)"
        let bundle = try await download.execute(
            DownloadKeyBundle.Input(
                request: id, realm: access.realm, requester: access.subject, format: format, password: body.password),
            logger: logger)
        return Response(
            status: .ok,
            headers: [
                .contentType: format.contentType, .cacheControl: "no-store",
                .contentDisposition: "attachment; filename=\"\(id.lowercasedString).\(format.fileExtension)\"",
            ],
            body: .init(byteBuffer: ByteBuffer(bytes: bundle)))
    }
}
