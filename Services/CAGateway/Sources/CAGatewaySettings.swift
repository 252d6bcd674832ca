import CLMContracts
import CLMCrypto
import CLMServiceKit
import Foundation

/// Settings only the CA gateway reads.
struct CAGatewaySettings: Sendable {
    /// `CLM_CAS`, default `default=ec:P-256`: the built-in CAs as `name=issuing-key` pairs
    /// separated by commas, e.g. `default=ec:P-256,rsa=rsa:3072,ed=ed25519`. Each gets its own
    /// root (RSA 4096 over RSA, P-384 over EC, the same EdDSA curve over EdDSA) at first start;
    /// an existing CA keeps its keys whatever this says later.
    var authorities: [(name: String, spec: KeySpec)]
    /// `CLM_CA_RETRY_LIMIT`, default 8: issuance attempts while the CA is unavailable before
    /// the request fails with `ca-unavailable`. `CLM_CA_RETRY_INITIAL_MS`, default 1000: the
    /// first retry's delay; each doubles, up to `CLM_CA_RETRY_MAX_SECONDS` (default 60).
    var retry: IssuanceRetryPolicy
    /// `CLM_PUBLIC_URL`, default `http://127.0.0.1:8080` (the edge): the base of the CRL, OCSP
    /// and CA-issuer URLs written into every certificate. Plain `http` is what relying parties
    /// expect for these (RFC 5280 §4.2.1.13; the responses are signed).
    var publicURL: String
    /// `CLM_CRL_VALIDITY_SECONDS`, default 86400: a CRL's `nextUpdate` after its `thisUpdate`.
    /// `CLM_CRL_RESIGN_BEFORE_SECONDS`, default 43200: a fresh CRL is signed this long before
    /// `nextUpdate` (besides at once on every revocation).
    var revocationLists: RevocationListSchedule
    /// `CLM_OCSP_VALIDITY_SECONDS`, default 3600: an OCSP response's `nextUpdate` after its
    /// `thisUpdate`, and how long clients and caches may keep it.
    var ocspValidity: TimeInterval
    /// `CLM_EXPIRY_SWEEP_SECONDS`, default 60: how often the gateway looks for certificates that
    /// reached an expiry warning threshold or expired; how late a warning may be, at most.
    var expirySweep: Duration = .seconds(60)

    /// Where relying parties find the CA named `ca`.
    func links(ca: String) -> CertificateLinks {
        let base = publicURL.hasSuffix("/") ? String(publicURL.dropLast()) : publicURL
        return CertificateLinks(
            crlDistributionPoints: ["\(base)/v1/cas/\(ca)/crl"], ocspResponders: ["\(base)/v1/cas/\(ca)/ocsp"],
            caIssuers: ["\(base)/v1/cas/\(ca)/certificate"])
    }

    static func fromEnvironment(_ environment: [String: String]) throws -> CAGatewaySettings {
        var env = EnvironmentReader(environment)
        var authorities: [(String, KeySpec)] = []
        let fallback = ProcessInfo.processInfo.environment["CLM_CA_NAME"].map { "\($0)=ec:P-256" } ?? "default=ec:P-256"
        let text = env.string("CLM_CAS", default: fallback)
        for entry in text.split(separator: ",") {
            let parts = entry.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard parts.count == 2, Identifier.isValid(parts[0]), let spec = try? KeySpec(parsing: parts[1]) else {
                env.problem(
                    "CLM_CAS must be name=key pairs such as default=ec:P-256,rsa=rsa:3072 "
                        + "(names: lower-case letters, digits, '-'), got \(EnvironmentReader.quoted(String(entry)))")
                continue
            }
            if authorities.contains(where: { $0.0 == parts[0] }) {
                env.problem("CLM_CAS names CA '\(parts[0])' twice")
            }
            authorities.append((parts[0], spec))
        }
        if authorities.isEmpty && !text.isEmpty { env.problem("CLM_CAS names no CA") }
        let limit = env.int("CLM_CA_RETRY_LIMIT", default: 8, range: 1...100)
        let initial = env.int("CLM_CA_RETRY_INITIAL_MS", default: 1000, range: 10...600_000)
        let maximum = env.int("CLM_CA_RETRY_MAX_SECONDS", default: 60, range: 1...3600)
        let publicURL = env.string("CLM_PUBLIC_URL", default: "http://127.0.0.1:8080")
        if URL(string: publicURL)?.scheme.map({ ["http", "https"].contains($0) }) != true
            || publicURL.contains(where: { $0.isWhitespace || !$0.isASCII })
        {
            env.problem("CLM_PUBLIC_URL must be an http(s) URL, got \(EnvironmentReader.quoted(publicURL))")
        }
        let crlValidity = env.int("CLM_CRL_VALIDITY_SECONDS", default: 86400, range: 60...(31 * 86400))
        let resignBefore = env.int("CLM_CRL_RESIGN_BEFORE_SECONDS", default: 43200, range: 10...(31 * 86400))
        if resignBefore >= crlValidity {
            env.problem(
                "CLM_CRL_RESIGN_BEFORE_SECONDS (\(resignBefore)) must be less than CLM_CRL_VALIDITY_SECONDS (\(crlValidity))"
            )
        }
        let ocspValidity = env.int("CLM_OCSP_VALIDITY_SECONDS", default: 3600, range: 60...(7 * 86400))
        let expirySweep = env.int("CLM_EXPIRY_SWEEP_SECONDS", default: 60, range: 1...3600)
        try env.validate()
        return CAGatewaySettings(
            authorities: authorities.map { (name: $0.0, spec: $0.1) },
            retry: IssuanceRetryPolicy(limit: limit, initial: .milliseconds(initial), maximum: .seconds(maximum)),
            publicURL: publicURL,
            revocationLists: RevocationListSchedule(
                validity: TimeInterval(crlValidity), resignBefore: TimeInterval(resignBefore)),
            ocspValidity: TimeInterval(ocspValidity), expirySweep: .seconds(expirySweep))
    }
}
