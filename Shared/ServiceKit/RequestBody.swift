import CLMContracts
import Foundation
import Hummingbird
import NIOCore

extension Request {
    /// Decodes a JSON body of at most `limit` bytes: larger bodies get 413, anything but one
    /// JSON document 400 `malformed-body`, a string that breaks the rule for text (`TextRule`,
    /// decision 0021) 422 `invalid-text` naming its field — before any field is decoded.
    public func decodeJSON<T: Decodable>(_: T.Type, limit: Int = 256 * 1024) async throws -> T {
        let bytes = try await checkedJSON(limit: limit)
        return try ContractCoding.decoder().decode(T.self, from: Data(bytes))
    }

    /// The body's bytes, at most `limit`, once they are one JSON document whose every string
    /// (member names included) keeps `TextRule.standard`: the one place every body is judged.
    /// A body declared as something other than JSON is a 415 before it is read; one without a
    /// Content-Type is taken as JSON.
    public func checkedJSON(limit: Int) async throws -> [UInt8] {
        if let type = headers[.contentType], !Self.isJSON(mediaType: type) {
            throw APIError(
                .unsupportedMediaType, code: "unsupported-media-type",
                detail: "the body must be JSON in UTF-8: send Content-Type: application/json")
        }
        var request = self
        let buffer: ByteBuffer
        do {
            buffer = try await request.collectBody(upTo: limit)
        } catch {
            throw APIError(.contentTooLarge, code: "body-too-large", detail: "body exceeds \(limit) bytes")
        }
        let bytes = Array(buffer: buffer)
        do {
            _ = try TextRule.standard.check(json: bytes)
        } catch {
            throw error.problem
        }
        return bytes
    }
}

extension Request {
    /// `application/json` or a `+json` type (RFC 6839), with no charset or UTF-8 (RFC 8259 §8.1).
    static func isJSON(mediaType: String) -> Bool {
        let parts = mediaType.lowercased().split(separator: ";", omittingEmptySubsequences: false)
        let type = parts[0].trimmingCharacters(in: .whitespaces)
        guard type == "application/json" || (type.hasPrefix("application/") && type.hasSuffix("+json")) else {
            return false
        }
        for parameter in parts.dropFirst() {
            let pair = parameter.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard pair.count == 2, !pair[0].isEmpty else { return false }
            let value = pair[1].trimmingCharacters(in: CharacterSet(charactersIn: "\""))
            if pair[0] == "charset" && value != "utf-8" && value != "utf8" { return false }
        }
        return true
    }
}

/// Encodes API responses with the same conventions as events (RFC 3339 dates, sorted keys).
public struct JSONResponse<Value: Encodable & Sendable>: ResponseGenerator {
    public var status: HTTPResponse.Status
    public var value: Value
    public var headers: HTTPFields

    public init(_ value: Value, status: HTTPResponse.Status = .ok, headers: HTTPFields = [:]) {
        self.value = value
        self.status = status
        self.headers = headers
    }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        let data = try ContractCoding.encoder().encode(value)
        var headers = self.headers
        headers[.contentType] = "application/json"
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }
}
