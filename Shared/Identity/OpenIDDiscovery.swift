import CLMContracts
import Foundation

/// Finds an identity provider's key set through OpenID Connect Discovery 1.0: the document at
/// `<issuer>/.well-known/openid-configuration` names it in `jwks_uri`. The document is read
/// again whenever the key set is (on first use, and when a token names an unknown `kid`), so a
/// provider that moves its keys is followed.
public enum OpenIDDiscovery {
    /// Where the issuer's configuration document lives (§4: the issuer plus the well-known
    /// path, one slash between them).
    public static func configurationURL(issuer: URL) -> URL {
        URL(string: withoutTrailingSlash(issuer.absoluteString) + "/.well-known/openid-configuration") ?? issuer
    }

    /// A key-set fetch for `KeySetCache`: loads the configuration, checks it, then loads the
    /// key set it names with `fetch` (the cache's default: `http(s)://` or `file://`).
    public static func keySetFetch(issuer: URL, fetch: KeySetCache.Fetch? = nil) -> KeySetCache.Fetch {
        let load = fetch ?? KeySetCache.defaultFetch
        return { configuration in
            let document = try await load(configuration)
            return try await load(try jwksURI(configuration: document, issuer: issuer))
        }
    }

    /// The `jwks_uri` of a configuration document, after the checks §4.3 asks for: the
    /// document's `issuer` is exactly the configured one, and the key set is served over
    /// https (or http when the issuer itself is http, as a local provider is).
    static func jwksURI(configuration bytes: [UInt8], issuer: URL) throws -> URL {
        let source = configurationURL(issuer: issuer).absoluteString
        guard bytes.count <= 64 * 1024, let document = try? JSONValue.parse(bytes, maximumDepth: 16).objectValue else {
            throw KeySetLoadError(source: source, reason: "the configuration is not a JSON object of at most 64 KiB")
        }
        // A trailing slash is the only difference tolerated: providers differ in whether they print it.
        guard case .string(let named)? = document["issuer"],
            withoutTrailingSlash(named) == withoutTrailingSlash(issuer.absoluteString)
        else {
            throw KeySetLoadError(
                source: source,
                reason: "the configuration's issuer is not \(issuer.absoluteString) (OpenID Connect Discovery §4.3)")
        }
        guard case .string(let text)? = document["jwks_uri"], let uri = URL(string: text),
            uri.scheme == "https" || (uri.scheme == "http" && issuer.scheme == "http"), uri.host != nil
        else {
            throw KeySetLoadError(source: source, reason: "the configuration has no usable https jwks_uri")
        }
        return uri
    }

    static func withoutTrailingSlash(_ text: String) -> String {
        var text = text
        while text.hasSuffix("/") { text.removeLast() }
        return text
    }
}
