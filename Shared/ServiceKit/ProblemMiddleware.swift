import CLMContracts
import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore

/// Turns every error into an RFC 9457 problem response in one place, so no handler formats
/// errors itself and unexpected errors never leak internals (they become a generic 500 and a
/// log line with the request id).
public struct ProblemMiddleware<Context: RequestContext>: RouterMiddleware {
    public init() {}

    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response)
        async throws -> Response
    {
        do {
            return try await next(request, context)
        } catch let error as APIError {
            return problem(error, request: request)
        } catch let error as Problem {
            return problem(APIError(error), request: request)
        } catch let error as HTTPError {
            let code =
                switch error.status {
                case .contentTooLarge: "body-too-large"
                case .notFound: "not-found"
                case .methodNotAllowed: "method-not-allowed"
                default: "http-\(error.status.code)"
                }
            return problem(
                APIError(error.status, code: code, detail: error.body ?? error.status.reasonPhrase), request: request)
        } catch let error as DecodingError {
            return problem(.badRequest("malformed-body", Self.describe(error)), request: request)
        } catch let error as any HTTPResponseError {
            return problem(
                APIError(error.status, code: "http-\(error.status.code)", detail: error.status.reasonPhrase),
                request: request)
        } catch {
            context.logger.error("unhandled error", metadata: ["error": "\(String(reflecting: error))"])
            return problem(
                APIError(.internalServerError, code: "internal", detail: "internal error; see the service log"),
                request: request)
        }
    }

    private func problem(_ error: APIError, request: Request) -> Response {
        let document = ProblemDocument(
            type: "/problems/\(error.code)", title: error.status.reasonPhrase, status: error.status.code,
            detail: error.detail, code: error.code, instance: request.uri.path, extensions: error.extensions)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.withoutEscapingSlashes]
        let body = (try? encoder.encode(document)) ?? Data()
        var headers = error.headers
        headers[.contentType] = "application/problem+json"
        return Response(status: error.status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: body)))
    }

    /// A decoding error as a sentence naming the offending field.
    public static func describe(_ error: DecodingError) -> String {
        func path(_ context: DecodingError.Context) -> String {
            guard !context.codingPath.isEmpty else { return "body" }
            var path = ""
            for key in context.codingPath {
                if let index = key.intValue {
                    path += "[\(index)]"
                } else {
                    path += (path.isEmpty ? "" : ".") + key.stringValue
                }
            }
            return path
        }
        switch error {
        case .keyNotFound(let key, let context):
            let parent = path(context)
            return "missing field '\(key.stringValue)'" + (parent == "body" ? "" : " in \(parent)")
        case .typeMismatch(let type, let context):
            return "field '\(path(context))' must be \(type)"
        case .valueNotFound(let type, let context):
            return "field '\(path(context))' must be a \(type), not null"
        case .dataCorrupted(let context):
            return context.codingPath.isEmpty
                ? "body is not valid JSON" : "field '\(path(context))': \(context.debugDescription)"
        @unknown default:
            return "malformed body"
        }
    }
}
