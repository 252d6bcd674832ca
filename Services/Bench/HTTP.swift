import CLMContracts
import Foundation

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// A JSON client with its own connection pool sized for the benchmark's concurrency
/// (URLSession.shared allows only a handful of connections per host).
struct HTTP: Sendable {
    let base: URL
    let token: String
    let session: URLSession

    init(base: URL, token: String, connections: Int) {
        self.base = base
        self.token = token
        let configuration = URLSessionConfiguration.ephemeral
        configuration.httpMaximumConnectionsPerHost = connections
        configuration.timeoutIntervalForRequest = 60
        session = URLSession(configuration: configuration)
    }

    func send<Body: Encodable>(_ method: String, _ path: String, _ body: Body) async throws -> (Int, Data) {
        try await send(method, path, json: try ContractCoding.encoder().encode(body))
    }

    func send(_ method: String, _ path: String, json body: Data? = nil) async throws -> (Int, Data) {
        var request = URLRequest(url: URL(string: path, relativeTo: base)!)
        request.httpMethod = method
        request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization")
        if let body {
            request.httpBody = body
            request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        }
        let (data, response) = try await session.data(for: request)
        return ((response as? HTTPURLResponse)?.statusCode ?? 0, data)
    }

    func expect<Body: Encodable>(_ status: Int, _ method: String, _ path: String, _ body: Body) async throws {
        let (got, data) = try await send(method, path, body)
        guard got == status else {
            throw BenchError(
                "\(method) \(path): expected \(status), got \(got): \(String(decoding: data.prefix(300), as: UTF8.self))"
            )
        }
    }

    /// Submits a request that is refused after the policy lookup (an empty CSR would be refused
    /// before it) until intake answers something other than unknown-policy/entity.
    func waitForReadModel(realm: String, csr: String) async throws {
        for _ in 0..<100 {
            let (_, data) = try await send(
                "POST", "/v1/realms/\(realm)/requests",
                SubmitRequestBody(policy: "bench", entities: ["svc"], csr: csr, validityDays: -1))
            let code = (try? JSONDecoder().decode(ProblemCode.self, from: data))?.code ?? ""
            if !["unknown-policy", "unknown-end-entity", "not-found"].contains(code) { return }
            try await Task.sleep(for: .milliseconds(200))
        }
        throw BenchError("intake never learned the benchmark's policy")
    }
}

/// The code of a problem answer, the one field the benchmark reads from one.
private struct ProblemCode: Decodable {
    var code: String
}

struct BenchError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
