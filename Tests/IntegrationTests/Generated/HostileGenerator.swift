import CLMContracts
import Foundation

/// One endpoint of the API with a valid request for it: what the generated attacks mutate.
struct HostileTarget: Sendable {
    var name: String
    var method: String
    /// The path's segments, unencoded identifiers included.
    var segments: [String]
    /// Which segments are identifiers (realm, policy, request id, serial …) worth replacing.
    var parameters: [Int]
    var query: [(String, String)] = []
    var body: JSONValue?
    /// A body that is not JSON (an OCSP request), with its type.
    var raw: (bytes: [UInt8], type: String)?
    /// Authorization, cookies and the console's header: what makes the valid request valid.
    var headers: [String: String] = [:]

    init(
        _ name: String, _ method: String, _ path: String, body: JSONValue? = nil, headers: [String: String] = [:],
        query: [(String, String)] = [], raw: (bytes: [UInt8], type: String)? = nil, fixed: Set<String> = []
    ) {
        self.name = name
        self.method = method
        let segments = path.split(separator: "/", omittingEmptySubsequences: true).map(String.init)
        self.segments = segments
        // Every segment that is not a fixed word of the API is an identifier.
        let words: Set<String> = [
            "v1", "realms", "policies", "versions", "end-entities", "members", "cas", "requests", "approvals",
            "approve", "decline", "key-bundle", "certificate", "certificates", "revoke", "renew", "export", "preview",
            "audit", "ocsp", "crl", "chain", "availability", "verify", "console", "api", "auth", "dev", "users",
            "login", "callback", "session", "static",
        ]
        self.parameters = segments.indices.filter { !words.contains(segments[$0]) && !fixed.contains(segments[$0]) }
        self.body = body
        self.headers = headers
        self.query = query
        self.raw = raw
    }
}

/// One generated request, ready to send.
struct HostileInput: Sendable {
    var target: String
    var family: String
    var method: String
    /// Path and query, percent-encoded.
    var path: String
    var headers: [String: String]
    var body: [UInt8]?
}

/// Turns a valid request into a hostile one: its body, a path identifier, the query, a header
/// or the method mutated; a small share goes unchanged, so the stream also proves the valid
/// request works.
enum HostileGenerator {
    static func input(_ target: HostileTarget, using random: inout SeededRandom) -> HostileInput {
        var input = HostileInput(
            target: target.name, family: "valid", method: target.method, path: path(target.segments, target.query),
            headers: target.headers, body: nil)
        if let body = target.body {
            input.body = body.serialized
            input.headers["Content-Type"] = "application/json"
        } else if let raw = target.raw {
            input.body = raw.bytes
            input.headers["Content-Type"] = raw.type
        }
        // Bodies carry most of the attack surface: a target with one spends most inputs on it.
        let hasBody = target.body != nil || target.raw != nil
        let roll = Int.random(in: 0..<100, using: &random)
        // Without one, the rolls past the valid share spread over path, query, headers, method.
        switch hasBody || roll < 2 ? roll : 70 + (roll - 2) * 30 / 98 {
        case 0..<2: break
        case 2..<70 where target.body != nil: mutateBody(target, &input, using: &random)
        case 2..<70:
            let (family, bytes) = DERMutator.mutate(target.raw?.bytes ?? [], using: &random)
            input.family = family
            input.body = random.chance(1, in: 10) ? random.bytes(Int.random(in: 0...4096, using: &random)) : bytes
        case 70..<82 where !target.parameters.isEmpty:
            var segments = target.segments.map(encoded)
            segments[random.pick(target.parameters)] = random.pick(HostileText.segments)
            input.family = "path"
            input.path = "/" + segments.joined(separator: "/") + query(target.query)
        case 70..<88: mutateQuery(target, &input, using: &random)
        case 88..<97: mutateHeaders(target, &input, using: &random)
        default:
            input.family = "method"
            input.method = random.pick(
                ["GET", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "HEAD"].filter { $0 != target.method })
        }
        return input
    }

    static func mutateBody(_ target: HostileTarget, _ input: inout HostileInput, using random: inout SeededRandom) {
        guard let body = target.body else { return }
        if case .string(let pem)? = body.objectValue?["csr"], random.chance(1, in: 3) {
            let (family, der) = DERMutator.mutate(HostileInputTests.der(ofPEM: pem), using: &random)
            input.family = "csr-" + family
            input.body =
                (JSONMutator.setting(body, at: [.member("csr")], to: .string(DERMutator.text(der, using: &random)))
                ?? body).serialized
            return
        }
        let mutation = JSONMutator.mutate(body, using: &random)
        input.family = mutation.family
        input.body = mutation.bytes
        input.headers["Content-Type"] = mutation.contentType
    }

    static func mutateQuery(_ target: HostileTarget, _ input: inout HostileInput, using random: inout SeededRandom) {
        var pairs = target.query.map { (encoded($0.0), encoded($0.1)) }
        for _ in 0..<random.pick([1, 1, 2, 50]) {
            let name =
                random.chance(1, in: 2) && !pairs.isEmpty ? random.pick(pairs).0 : random.pick(HostileText.queryNames)
            pairs.append((name, random.pick(HostileText.queryValues)))
        }
        input.family = "query"
        let text =
            random.chance(1, in: 10)
            ? random.pick(["?", "?&&&", "?=", "?a", "?a=1&a=2&a", "?" + String(repeating: "x=1&", count: 3000)])
            : "?" + pairs.map { "\($0.0)=\($0.1)" }.joined(separator: "&")
        input.path = path(target.segments, []) + text
    }

    static func mutateHeaders(_ target: HostileTarget, _ input: inout HostileInput, using random: inout SeededRandom) {
        input.family = "header"
        switch Int.random(in: 0..<5, using: &random) {
        case 0:
            let token = target.headers["Authorization"].map { String($0.dropFirst("Bearer ".count)) } ?? "a.b.c"
            input.headers["Authorization"] = HostileTokens.authorization(from: token, using: &random)
        case 1: input.headers["Idempotency-Key"] = random.pick(HostileTokens.headerValues)
        case 2: input.headers["X-Request-Id"] = random.pick(HostileTokens.headerValues)
        case 3:
            input.headers["Accept"] = random.pick([
                "*/*", "text/html", "application/xml", "", "application/json;q=0",
                String(repeating: "a/b,", count: 500),
            ])
        default:
            input.headers["X-CLM-Console"] = random.pick(["0", "", "1,1", "true"])
            input.headers["Cookie"] = random.pick([
                "clm_console=", "clm_console=\(String(repeating: "A", count: 4000))", "a=b; clm_console=%00", ";;;",
            ])
        }
    }

    /// Path of `segments` (encoded) with `query`.
    static func path(_ segments: [String], _ pairs: [(String, String)]) -> String {
        "/" + segments.map(encoded).joined(separator: "/") + query(pairs)
    }

    static func query(_ pairs: [(String, String)]) -> String {
        pairs.isEmpty ? "" : "?" + pairs.map { "\(encoded($0.0))=\(encoded($0.1))" }.joined(separator: "&")
    }

    /// Percent-encodes everything but RFC 3986's unreserved characters.
    static func encoded(_ text: String) -> String {
        var allowed = CharacterSet.alphanumerics.intersection(
            CharacterSet(charactersIn: Unicode.Scalar(0)...Unicode.Scalar(127)))
        allowed.insert(charactersIn: "-._~")
        return text.addingPercentEncoding(withAllowedCharacters: allowed) ?? text
    }
}
