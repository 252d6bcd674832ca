import Foundation

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// Sends generated requests exactly as made: its own session, so no cookie is stored or added
/// and no header is set that the input did not ask for (beyond what HTTP itself needs).
struct HostileSender: Sendable {
    /// What came back: a status, or the transport error of a connection that broke.
    enum Outcome: Sendable {
        case answer(status: Int, contentType: String, body: Data)
        case dropped(String)
    }

    let baseURL: URL
    let session: URLSession

    init(baseURL: URL, timeout: TimeInterval = 60) {
        self.baseURL = baseURL
        let configuration = URLSessionConfiguration.ephemeral
        configuration.httpShouldSetCookies = false
        configuration.httpCookieAcceptPolicy = .never
        configuration.urlCache = nil
        configuration.timeoutIntervalForRequest = timeout
        configuration.httpMaximumConnectionsPerHost = 16
        session = URLSession(configuration: configuration)
    }

    func send(_ input: HostileInput) async -> Outcome {
        guard let url = URL(string: input.path, relativeTo: baseURL) else {
            return .dropped("the generator made a path no URL can hold: \(input.path.prefix(120))")
        }
        var request = URLRequest(url: url)
        request.httpMethod = input.method
        // A GET or HEAD with a body is refused by the client itself, never sent.
        if !["GET", "HEAD"].contains(input.method), let body = input.body { request.httpBody = Data(body) }
        for (name, value) in input.headers { request.setValue(value, forHTTPHeaderField: name) }
        do {
            let (data, response) = try await session.data(for: request)
            guard let http = response as? HTTPURLResponse else { return .dropped("not an HTTP response") }
            let type = http.value(forHTTPHeaderField: "Content-Type") ?? ""
            return .answer(status: http.statusCode, contentType: type, body: data)
        } catch {
            return .dropped("\(error)")
        }
    }
}
