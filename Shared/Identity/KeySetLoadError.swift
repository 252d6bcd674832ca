/// The identity provider's key set could not be loaded or was not usable.
///
/// This is not the token's fault, so it is kept apart from ``AuthenticationError``: a server
/// should answer it as unavailable (503), not as unauthenticated (401).
public struct KeySetLoadError: Error, Sendable, CustomStringConvertible {
    /// Where the key set was loaded from (scheme, host and path only; never credentials or a query).
    public var source: String
    /// What went wrong.
    public var reason: String

    public init(source: String, reason: String) {
        self.source = source
        self.reason = reason
    }

    public var description: String { "KeySetLoadError: key set from \(source): \(reason)" }
}
