/// A refusal with a stable, machine-readable code, raised by domain rules and use cases.
///
/// It names what kind of refusal it is, not an HTTP status: the HTTP adapter maps `kind` to a
/// status in one place (`APIError.init(_: Problem)`), and the Kafka command adapter copies
/// `code`, `detail` and `violations` into the command's result. `detail` is for people and
/// never holds secrets.
public struct Problem: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Kind: String, Sendable, Equatable {
        /// The input is malformed or out of range.
        case invalid
        /// No valid credentials.
        case unauthenticated
        /// The caller may see the object but not do this.
        case forbidden
        /// Absent, or not visible to the caller (the two are never told apart).
        case notFound
        /// The object's current state does not allow it (yet).
        case conflict
        /// The object existed but is gone for good.
        case gone
        /// Well-formed but refused by the rules (policy mismatch, unknown reference).
        case refused
        /// The input is larger than this operation takes.
        case tooLarge
        /// Too many attempts; `retryAfter` says when to try again.
        case rateLimited
        /// A dependency (the database) is unreachable; retrying later helps.
        case unavailable
        /// A bug or corrupt state; `detail` stays generic.
        case `internal`
    }

    public var kind: Kind
    public var code: String
    public var detail: String
    /// One entry per failing attribute and rule, for `policy-mismatch`.
    public var violations: [String]
    /// Seconds after which a retry may succeed (rate limits, unavailability, not yet issued).
    public var retryAfter: Int?

    public init(_ kind: Kind, code: String, detail: String, violations: [String] = [], retryAfter: Int? = nil) {
        self.kind = kind
        self.code = code
        self.detail = detail
        self.violations = violations
        self.retryAfter = retryAfter
    }

    public var description: String { "\(code): \(detail)" }

    public static func == (lhs: Problem, rhs: Problem) -> Bool { lhs.code == rhs.code && lhs.kind == rhs.kind }

    public static func invalid(_ code: String, _ detail: String) -> Problem {
        Problem(.invalid, code: code, detail: detail)
    }

    public static func notFound(_ what: String) -> Problem {
        Problem(.notFound, code: "not-found", detail: "\(what) not found")
    }

    public static func conflict(_ code: String, _ detail: String, retryAfter: Int? = nil) -> Problem {
        Problem(.conflict, code: code, detail: detail, retryAfter: retryAfter)
    }

    public static func refused(_ code: String, _ detail: String, violations: [String] = []) -> Problem {
        Problem(.refused, code: code, detail: detail, violations: violations)
    }

    public static func forbidden(_ code: String, _ detail: String) -> Problem {
        Problem(.forbidden, code: code, detail: detail)
    }

    public static func gone(_ code: String, _ detail: String) -> Problem { Problem(.gone, code: code, detail: detail) }

    public static func rateLimited(_ detail: String, retryAfter seconds: Int = 1) -> Problem {
        Problem(.rateLimited, code: "rate-limited", detail: detail, retryAfter: seconds)
    }

    public static func unavailable(_ detail: String) -> Problem {
        Problem(.unavailable, code: "unavailable", detail: detail, retryAfter: 2)
    }

    public static func `internal`(_ detail: String) -> Problem { Problem(.internal, code: "internal", detail: detail) }
}
