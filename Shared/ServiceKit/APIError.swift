import CLMContracts
import Foundation
import HTTPTypes
import Hummingbird

/// An error the API reports to its caller as an RFC 9457 problem detail. `code` is stable and
/// machine-readable; `detail` says what was wrong in words a person can act on.
public struct APIError: Error, Sendable, Equatable, CustomStringConvertible {
    public var status: HTTPResponse.Status
    public var code: String
    public var detail: String
    /// Extra members of the problem document (e.g. `violations`).
    public var extensions: [String: [String]]
    public var headers: HTTPFields

    public init(
        _ status: HTTPResponse.Status, code: String, detail: String, extensions: [String: [String]] = [:],
        headers: HTTPFields = [:]
    ) {
        self.status = status
        self.code = code
        self.detail = detail
        self.extensions = extensions
        self.headers = headers
    }

    public var description: String { "\(status.code) \(code): \(detail)" }

    /// The one mapping from a domain refusal to its HTTP form.
    public init(_ problem: Problem) {
        var headers = HTTPFields()
        if let seconds = problem.retryAfter { headers[.retryAfter] = "\(seconds)" }
        self.init(
            Self.status(of: problem.kind), code: problem.code, detail: problem.detail,
            extensions: problem.violations.isEmpty ? [:] : ["violations": problem.violations], headers: headers)
    }

    static func status(of kind: Problem.Kind) -> HTTPResponse.Status {
        switch kind {
        case .invalid: .badRequest
        case .unauthenticated: .unauthorized
        case .forbidden: .forbidden
        case .notFound: .notFound
        case .conflict: .conflict
        case .gone: .gone
        case .refused: .unprocessableContent
        case .tooLarge: .contentTooLarge
        case .rateLimited: .tooManyRequests
        case .unavailable: .serviceUnavailable
        case .internal: .internalServerError
        }
    }

    public static func == (lhs: APIError, rhs: APIError) -> Bool { lhs.code == rhs.code && lhs.status == rhs.status }

    public static func notFound(_ what: String) -> APIError {
        APIError(.notFound, code: "not-found", detail: "\(what) not found")
    }

    public static func badRequest(_ code: String, _ detail: String) -> APIError {
        APIError(.badRequest, code: code, detail: detail)
    }

    public static func conflict(_ code: String, _ detail: String) -> APIError {
        APIError(.conflict, code: code, detail: detail)
    }

    public static func unprocessable(_ code: String, _ detail: String, extensions: [String: [String]] = [:])
        -> APIError
    {
        APIError(.unprocessableContent, code: code, detail: detail, extensions: extensions)
    }

    /// 429 with a `Retry-After` in seconds.
    public static func tooManyRequests(_ detail: String, retryAfter seconds: Int = 1) -> APIError {
        var headers = HTTPFields()
        headers[.retryAfter] = "\(seconds)"
        return APIError(.tooManyRequests, code: "rate-limited", detail: detail, headers: headers)
    }

    /// 503 `overloaded` with `Retry-After: 1`: the service is busy, not broken.
    public static func overloaded(_ detail: String) -> APIError {
        var headers = HTTPFields()
        headers[.retryAfter] = "1"
        return APIError(.serviceUnavailable, code: "overloaded", detail: detail, headers: headers)
    }

    public static func unavailable(_ detail: String) -> APIError {
        var headers = HTTPFields()
        headers[.retryAfter] = "2"
        return APIError(.serviceUnavailable, code: "unavailable", detail: detail, headers: headers)
    }
}

/// The JSON body of a problem response.
struct ProblemDocument: Encodable {
    var type: String
    var title: String
    var status: Int
    var detail: String
    var code: String
    var instance: String?
    var extensions: [String: [String]]

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: DynamicKey.self)
        try container.encode(type, forKey: DynamicKey("type"))
        try container.encode(title, forKey: DynamicKey("title"))
        try container.encode(status, forKey: DynamicKey("status"))
        try container.encode(detail, forKey: DynamicKey("detail"))
        try container.encode(code, forKey: DynamicKey("code"))
        try container.encodeIfPresent(instance, forKey: DynamicKey("instance"))
        for (key, value) in extensions { try container.encode(value, forKey: DynamicKey(key)) }
    }

    struct DynamicKey: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(_ string: String) { self.stringValue = string }
        init?(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }
}
