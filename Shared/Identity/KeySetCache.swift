import Foundation

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// The identity provider's key set, loaded from a `file://` or `http(s)://` URL and cached.
///
/// The set is fetched on first use and again only when a token names a `kid` the cached set
/// does not have (the provider rotated keys), and then at most once per
/// ``minimumRefreshInterval``, so tokens with made-up `kid`s cannot hammer the provider.
/// Concurrent callers share one fetch. A failed refresh keeps the keys already known.
public actor KeySetCache {
    /// Loads the raw key set document from a URL.
    public typealias Fetch = @Sendable (URL) async throws -> [UInt8]

    /// Where the key set lives.
    public nonisolated let url: URL
    /// The least time between two fetches.
    public nonisolated let minimumRefreshInterval: Duration

    private let fetch: Fetch
    private var current: JSONWebKeySet?
    private var lastAttempt: ContinuousClock.Instant?
    private var lastFailure: KeySetLoadError?
    private var inFlight: Task<JSONWebKeySet, any Error>?

    /// - Parameter fetch: loads the document; the default reads `file://` URLs from disk and
    ///   fetches `http(s)://` URLs with `URLSession`.
    public init(url: URL, minimumRefreshInterval: Duration = .seconds(30), fetch: Fetch? = nil) {
        self.url = url
        self.minimumRefreshInterval = minimumRefreshInterval
        self.fetch = fetch ?? Self.defaultFetch
    }

    /// The key set to verify a token whose header names `kid` (or no kid).
    ///
    /// - Throws: ``KeySetLoadError`` only when no key set has ever been loaded; once one has,
    ///   an unknown `kid` that a refresh does not find is left for the verifier to report.
    public func keys(forKeyID kid: String?) async throws -> JSONWebKeySet {
        if let known = current {
            guard let kid, known.key(id: kid) == nil, mayFetch else { return known }
            do {
                return try await load()
            } catch {
                return current ?? known
            }
        }
        if !mayFetch, let lastFailure { throw lastFailure }
        return try await load()
    }

    /// Whether a fetch may start now (or one is already running and can be joined).
    private var mayFetch: Bool {
        guard inFlight == nil, let lastAttempt else { return true }
        return lastAttempt.duration(to: .now) >= minimumRefreshInterval
    }

    private func load() async throws -> JSONWebKeySet {
        if let inFlight { return try await inFlight.value }
        lastAttempt = .now
        let task = Task { [url, fetch] in try await Self.download(url, fetch: fetch) }
        inFlight = task
        defer { inFlight = nil }
        do {
            let keySet = try await task.value
            current = keySet
            lastFailure = nil
            return keySet
        } catch {
            let failure = error as? KeySetLoadError ?? KeySetLoadError(source: Self.describe(url), reason: "\(error)")
            lastFailure = failure
            throw failure
        }
    }

    private static func download(_ url: URL, fetch: Fetch) async throws -> JSONWebKeySet {
        let document: [UInt8]
        do {
            document = try await fetch(url)
        } catch let error as KeySetLoadError {
            throw error
        } catch {
            throw KeySetLoadError(source: describe(url), reason: "fetching failed: \(error.localizedDescription)")
        }
        do {
            return try JSONWebKeySet(json: document)
        } catch let error as AuthenticationError {
            throw KeySetLoadError(source: describe(url), reason: error.reason)
        }
    }

    // MARK: Default fetch

    /// Reads `file://` URLs and GETs `http(s)://` URLs (10 s timeout, 200 only).
    @Sendable static func defaultFetch(_ url: URL) async throws -> [UInt8] {
        switch url.scheme?.lowercased() {
        case "file":
            let handle = try FileHandle(forReadingFrom: url)
            defer { try? handle.close() }
            let data = try handle.read(upToCount: JSONWebKeySet.maximumSize + 1) ?? Data()
            guard data.count <= JSONWebKeySet.maximumSize else {
                throw KeySetLoadError(source: describe(url), reason: "larger than \(JSONWebKeySet.maximumSize) bytes")
            }
            return [UInt8](data)
        case "http", "https":
            var request = URLRequest(url: url, cachePolicy: .reloadIgnoringLocalCacheData, timeoutInterval: 10)
            request.setValue("application/jwk-set+json, application/json", forHTTPHeaderField: "Accept")
            let (data, response) = try await URLSession.shared.data(for: request)
            guard let status = (response as? HTTPURLResponse)?.statusCode, status == 200 else {
                let status = (response as? HTTPURLResponse)?.statusCode.description ?? "no HTTP status"
                throw KeySetLoadError(source: describe(url), reason: "the server answered \(status)")
            }
            return [UInt8](data)
        default:
            throw KeySetLoadError(
                source: describe(url), reason: "only file://, http:// and https:// URLs are supported")
        }
    }

    /// The URL without credentials, query or fragment, for messages.
    static func describe(_ url: URL) -> String {
        guard var components = URLComponents(url: url, resolvingAgainstBaseURL: false) else { return "<key set URL>" }
        components.user = nil
        components.password = nil
        components.query = nil
        components.fragment = nil
        return components.string ?? "<key set URL>"
    }
}
