import CLMContracts

/// A token in JWS compact serialisation (RFC 7515 §7.1), split and decoded but NOT verified.
///
/// Parsing checks only shape and the header: size, three strict base64url segments, a JSON
/// object header whose `alg` is one of ``JWSAlgorithm``. Nothing here may be trusted until
/// ``TokenVerifier`` has checked the signature.
struct CompactJWS {
    /// Tokens are small; a large one is an attack or a mistake, and is refused before decoding.
    static let maximumSize = 8 * 1024
    /// Nesting allowed in the header and claims (`clm_realms` needs three levels).
    static let maximumDepth = 16

    let algorithm: JWSAlgorithm
    let keyID: String?
    /// `BASE64URL(header) || "." || BASE64URL(payload)`, the bytes the signature covers.
    let signingInput: [UInt8]
    let payload: [UInt8]
    let signature: [UInt8]

    init(_ token: String) throws(AuthenticationError) {
        let bytes = Array(token.utf8)
        guard !bytes.isEmpty else { throw AuthenticationError(.malformed, "token is empty") }
        guard bytes.count <= Self.maximumSize else {
            throw AuthenticationError(.malformed, "token is larger than \(Self.maximumSize) bytes")
        }
        let segments = bytes.split(separator: UInt8(ascii: "."), omittingEmptySubsequences: false)
        guard segments.count == 3 else {
            throw AuthenticationError(.malformed, "token has \(segments.count) segments; a signed JWT has 3")
        }
        guard let headerBytes = JOSEBase64URL.decode(segments[0]), !headerBytes.isEmpty else {
            throw AuthenticationError(.malformed, "token header is not base64url")
        }
        guard let payload = JOSEBase64URL.decode(segments[1]), !payload.isEmpty else {
            throw AuthenticationError(.malformed, "token payload is not base64url")
        }
        guard let signature = JOSEBase64URL.decode(segments[2]) else {
            throw AuthenticationError(.malformed, "token signature is not base64url")
        }
        let parsedHeader: JSONValue
        do {
            parsedHeader = try JSONValue.parse(headerBytes, maximumDepth: Self.maximumDepth)
        } catch {
            throw AuthenticationError(.malformed, "token header is not valid JSON: \(error.reason)")
        }
        guard let header = parsedHeader.objectValue else {
            throw AuthenticationError(.malformed, "token header is not a JSON object")
        }

        guard let name = header["alg"]?.stringValue else {
            throw AuthenticationError(.malformed, "token header has no \"alg\"")
        }
        // The name is attacker-chosen; it is not echoed.
        guard let algorithm = JWSAlgorithm(rawValue: name) else {
            throw AuthenticationError(
                .unsupportedAlgorithm,
                "token algorithm is not one of \(JWSAlgorithm.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        // No extension is understood here, so anything marked critical must be refused
        // (RFC 7515 §4.1.11); this also refuses unencoded payloads (RFC 7797).
        guard header["crit"] == nil else {
            throw AuthenticationError(
                .malformed, "token header marks extensions critical (\"crit\"); none are supported")
        }
        var keyID: String? = nil
        if let kid = header["kid"] {
            guard let kid = kid.stringValue else {
                throw AuthenticationError(.malformed, "token header \"kid\" is not a string")
            }
            keyID = kid
        }
        // `jku`, `jwk`, `x5u` and `x5c` are ignored on purpose: keys come only from the
        // configured key set, never from the token.
        self.algorithm = algorithm
        self.keyID = keyID
        self.signingInput = Array(bytes[..<segments[1].endIndex])
        self.payload = payload
        self.signature = signature
    }
}
