import CLMCrypto
import Foundation

/// The console's pages and scripts, read from a directory: once at start (the copy built into
/// the binary), or on every request when a development directory is configured so edits show
/// at once. Paths are checked so nothing outside the directory can be named.
struct AssetCatalog: Sendable {
    struct Asset: Sendable {
        var bytes: [UInt8]
        var contentType: String
        var etag: String
    }

    let directory: URL
    let live: Bool
    private let preloaded: [String: Asset]

    init(directory: URL, live: Bool) throws {
        self.directory = directory.standardizedFileURL
        self.live = live
        var loaded: [String: Asset] = [:]
        if !live {
            let root = self.directory.path
            guard let walker = FileManager.default.enumerator(atPath: root) else {
                throw SignInError.provider("console assets: cannot read \(root)")
            }
            while let relative = walker.nextObject() as? String {
                if let asset = Self.read(self.directory.appendingPathComponent(relative)) { loaded[relative] = asset }
            }
            guard loaded["index.html"] != nil else {
                throw SignInError.provider("console assets: no index.html in \(root)")
            }
        }
        self.preloaded = loaded
    }

    /// The asset at `relativePath` (e.g. `js/app.js`), or nil.
    func asset(_ relativePath: String) -> Asset? {
        let segments = relativePath.split(separator: "/", omittingEmptySubsequences: false)
        guard !segments.isEmpty,
            segments.allSatisfy({ !$0.isEmpty && $0 != "." && $0 != ".." && !$0.hasPrefix(".") }),
            relativePath.unicodeScalars.allSatisfy({ $0.isASCII && $0.value > 0x20 && $0 != "\\" && $0 != "%" })
        else { return nil }
        guard live else { return preloaded[relativePath] }
        return Self.read(directory.appendingPathComponent(relativePath))
    }

    private static func read(_ url: URL) -> Asset? {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory), !isDirectory.boolValue,
            let type = contentType(of: url.pathExtension), let data = FileManager.default.contents(atPath: url.path)
        else { return nil }
        let bytes = [UInt8](data)
        let digest = Digest.sha256(bytes).prefix(12).map { String(format: "%02x", $0) }.joined()
        return Asset(bytes: bytes, contentType: type, etag: "\"\(digest)\"")
    }

    /// Only the kinds of file a page needs; anything else is not served.
    static func contentType(of fileExtension: String) -> String? {
        switch fileExtension.lowercased() {
        case "html": "text/html; charset=utf-8"
        case "js", "mjs": "text/javascript; charset=utf-8"
        case "css": "text/css; charset=utf-8"
        case "json": "application/json"
        case "svg": "image/svg+xml"
        case "png": "image/png"
        case "ico": "image/x-icon"
        case "woff2": "font/woff2"
        case "txt": "text/plain; charset=utf-8"
        default: nil
        }
    }
}
