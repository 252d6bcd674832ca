import CLMContracts

/// An identity provider's public signing keys (RFC 7517 §5).
public struct JSONWebKeySet: Sendable {
    /// The largest key set document accepted.
    public static let maximumSize = 1 << 20
    /// JWKS documents are shallow (`{"keys": [{...}]}`); anything deeper is not one.
    static let maximumDepth = 8

    /// The usable keys, in document order.
    public let keys: [JSONWebKey]

    /// Parses a JWKS document.
    ///
    /// Keys that are not for verifying our tokens (`use` other than `sig`, `key_ops` without
    /// `verify`, an `alg` outside ``JWSAlgorithm``) are skipped. Any other key that is
    /// malformed, of an unknown type or curve, or too weak (RSA below 2048 bits) makes the whole
    /// set fail: a misconfigured provider should be noticed, not half-trusted.
    ///
    /// - Throws: ``AuthenticationError`` with ``AuthenticationError/Code/malformed`` for a
    ///   broken document or duplicate `kid`s, ``AuthenticationError/Code/unsupportedAlgorithm``
    ///   for keys CLM refuses.
    public init(json: [UInt8]) throws {
        guard json.count <= Self.maximumSize else {
            throw AuthenticationError(.malformed, "key set is larger than \(Self.maximumSize) bytes")
        }
        let document: JSONValue
        do {
            document = try JSONValue.parse(json, maximumDepth: Self.maximumDepth)
        } catch {
            throw AuthenticationError(.malformed, "key set is not valid JSON: \(error.reason)")
        }
        guard let entries = document.objectValue?["keys"]?.arrayValue else {
            throw AuthenticationError(.malformed, "key set has no \"keys\" array")
        }
        var keys: [JSONWebKey] = []
        for entry in entries {
            guard let object = entry.objectValue else {
                throw AuthenticationError(.malformed, "key set: a key is not an object")
            }
            if let key = try JSONWebKey.parse(object) { keys.append(key) }
        }
        try self.init(keys: keys)
    }

    /// A key set from keys in hand, e.g. to publish them.
    ///
    /// - Throws: ``AuthenticationError/Code/malformed`` when two keys share a `kid`, which would
    ///   make key selection depend on order.
    public init(keys: [JSONWebKey]) throws {
        var seen = Set<String>()
        for key in keys where !seen.insert(key.keyID).inserted {
            throw AuthenticationError(.malformed, "key set: two keys share one \"kid\"")
        }
        self.keys = keys
    }

    /// The key with `kid` equal to `id`.
    public func key(id: String) -> JSONWebKey? {
        keys.first { $0.keyID == id }
    }

    /// The set as a JWKS document (`{"keys": [...]}`).
    public var json: [UInt8] {
        JSONValue.object(["keys": .array(keys.map(\.jsonValue))]).serialized
    }
}
