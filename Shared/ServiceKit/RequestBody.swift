import CLMContracts
import Foundation
import Hummingbird
import NIOCore

extension Request {
    /// Decodes a JSON body of at most `limit` bytes; larger bodies get 413, bad JSON 400.
    public func decodeJSON<T: Decodable>(_: T.Type, limit: Int = 256 * 1024) async throws -> T {
        var request = self
        let buffer: ByteBuffer
        do {
            buffer = try await request.collectBody(upTo: limit)
        } catch {
            throw APIError(.contentTooLarge, code: "body-too-large", detail: "body exceeds \(limit) bytes")
        }
        return try ContractCoding.decoder().decode(T.self, from: Data(buffer: buffer))
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
