import CLMContracts
import Foundation

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// A small client for CLM's HTTP API, used by the `clm` CLI and the end-to-end tests.
public struct CLMClient: Sendable {
    /// The edge (nginx) or a single service, e.g. `http://127.0.0.1:8080`.
    public var baseURL: URL
    /// Bearer token sent with every call, when set.
    public var token: String?
    public var timeout: TimeInterval

    public init(baseURL: URL, token: String? = nil, timeout: TimeInterval = 30) {
        self.baseURL = baseURL
        self.token = token
        self.timeout = timeout
    }

    /// A raw answer: status, headers and body.
    public struct Answer: Sendable {
        public var status: Int
        public var headers: [String: String]
        public var body: Data

        public var text: String { String(decoding: body, as: UTF8.self) }

        public func decode<T: Decodable>(_: T.Type) throws -> T {
            try ContractCoding.decoder().decode(T.self, from: body)
        }

        /// The problem document of an error answer, if it has one.
        public var problem: Problem? { try? JSONDecoder().decode(Problem.self, from: body) }
    }

    /// RFC 9457 problem detail, as CLM's services send it.
    public struct Problem: Decodable, Sendable, Error, CustomStringConvertible {
        public var status: Int
        public var code: String
        public var detail: String
        public var violations: [String]?

        public var description: String {
            var text = "\(detail) (\(code), HTTP \(status))"
            for violation in violations ?? [] { text += "\n  - \(violation)" }
            return text
        }
    }

    /// Sends one request. Network failures throw; HTTP errors come back as answers.
    public func send(
        _ method: String, _ path: String, body: Data? = nil, headers: [String: String] = [:]
    ) async throws -> Answer {
        guard let url = URL(string: path, relativeTo: baseURL) else { throw URLError(.badURL) }
        var request = URLRequest(url: url, timeoutInterval: timeout)
        request.httpMethod = method
        request.httpBody = body
        if body != nil { request.setValue("application/json", forHTTPHeaderField: "Content-Type") }
        if let token { request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization") }
        for (name, value) in headers { request.setValue(value, forHTTPHeaderField: name) }
        let (data, response) = try await URLSession.shared.data(for: request)
        guard let http = response as? HTTPURLResponse else { throw URLError(.badServerResponse) }
        var fields: [String: String] = [:]
        for (key, value) in http.allHeaderFields {
            if let key = key as? String, let value = value as? String { fields[key.lowercased()] = value }
        }
        return Answer(status: http.statusCode, headers: fields, body: data)
    }

    /// Sends a JSON body.
    public func send<Body: Encodable>(
        _ method: String, _ path: String, json: Body, headers: [String: String] = [:]
    ) async throws -> Answer {
        try await send(method, path, body: try ContractCoding.encoder().encode(json), headers: headers)
    }
}
