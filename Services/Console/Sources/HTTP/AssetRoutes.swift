import CLMServiceKit
import Hummingbird
import NIOCore

/// `/console/` (the page; the edge redirects `/console` here) and `/console/static/…` (its scripts and styles), with ETags so a
/// browser revalidates cheaply instead of downloading again.
struct AssetRoutes: Sendable {
    let catalog: AssetCatalog

    func add(to router: Router<BasicRequestContext>) {
        router.get("/console/") { request, _ in try serve("index.html", request) }
        router.get("/console/static/**") { request, _ in
            try serve(String(request.uri.path.dropFirst("/console/static/".count)), request)
        }
    }

    private func serve(_ path: String, _ request: Request) throws -> Response {
        guard let asset = catalog.asset(path) else { throw APIError.notFound("console file /\(path)") }
        var headers: HTTPFields = [.contentType: asset.contentType, .eTag: asset.etag, .cacheControl: "no-cache"]
        if request.headers[.ifNoneMatch] == asset.etag {
            headers[.contentType] = nil
            return Response(status: .notModified, headers: headers)
        }
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: asset.bytes)))
    }
}
