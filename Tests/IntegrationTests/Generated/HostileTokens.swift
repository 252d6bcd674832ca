import CLMIdentity
import Foundation

/// Authorization headers a token parser must survive: a real token bent out of shape, tokens
/// that claim no algorithm or a foreign one, and plain garbage.
enum HostileTokens {
    static func authorization(from token: String, using random: inout SeededRandom) -> String {
        let parts = token.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        switch Int.random(in: 0..<12, using: &random) {
        case 0:
            return random.pick([
                "", "Bearer", "Bearer ", "bearer \(token)", "Basic YTpi", "Bearer  \(token)", "Token \(token)",
            ])
        case 1: return "Bearer " + String(token.prefix(Int.random(in: 0..<max(token.count, 1), using: &random)))
        case 2:
            var bytes = Array(token.utf8)
            let index = Int.random(in: 0..<bytes.count, using: &random)
            bytes[index] = random.pick(Array("AZaz09-_.=+/".utf8))
            return "Bearer " + String(decoding: bytes, as: UTF8.self)
        case 3 where parts.count == 3:
            // The same claims under "alg": "none" and no signature.
            return "Bearer " + header(#"{"alg":"none","typ":"JWT"}"#) + "." + parts[1] + "."
        case 4 where parts.count == 3:
            let algorithm = random.pick(["HS256", "PS256", "ES512", "RS1", "EdDSA", "", "ES256K", "dir"])
            return "Bearer " + header(#"{"alg":"\#(algorithm)","kid":"x"}"#) + "." + parts[1] + "." + parts[2]
        case 5 where parts.count == 3:
            let claims = random.pick([
                #"{"sub":"x","exp":1}"#, #"{"sub":"x","exp":1e400}"#, #"{"sub":"x","exp":"never"}"#, "[]", "null",
                #"{"sub":"\u0000","exp":99999999999}"#, #"{"sub":"x","aud":[],"exp":99999999999,"iss":"clm-dev"}"#,
                String(repeating: "[", count: 3000),
            ])
            return "Bearer " + parts[0] + "." + header(claims) + "." + parts[2]
        case 6 where parts.count == 3:
            let kid = random.pick(["../../../dev/null", "", String(repeating: "k", count: 5000), "\\u0000"])
            return "Bearer " + header(#"{"alg":"ES256","kid":"\#(kid)"}"#) + "." + parts[1] + "." + parts[2]
        case 7: return "Bearer " + random.pick(["a.b.c", "....", ".", "a.b", "a.b.c.d.e", "%00.%00.%00", "😀"])
        case 8: return "Bearer " + String(repeating: "A", count: random.pick([1000, 8000, 20_000]))
        case 9 where parts.count == 3:
            return "Bearer " + parts[0] + "." + parts[1] + "."
                + JOSEBase64URL.encode(random.bytes(random.pick([0, 1, 63, 64, 65, 512])))
        default:
            return "Bearer "
                + random.bytes(Int.random(in: 1...64, using: &random)).map { String(format: "%02x", $0) }.joined()
        }
    }

    static func header(_ json: String) -> String { JOSEBase64URL.encode(Array(json.utf8)) }

    /// Visible-ASCII header values (a client refuses control characters in headers itself).
    static let headerValues = [
        "", " ", "x", String(repeating: "k", count: 300), String(repeating: "k", count: 7000), "../../x", "' OR 1=1 --",
        "%00", "${jndi:ldap://x}", "00000000-0000-0000-0000-000000000000", "a,b", "\"quoted\"", "<>",
    ]
}
