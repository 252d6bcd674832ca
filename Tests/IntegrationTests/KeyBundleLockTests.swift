import CLMClient
import CLMContracts
import Foundation
import Testing

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// The five-guess lock on key bundle downloads over the real stack, attacked in parallel
/// (issue 10, defect 1): each guess costs ~0.1 s of PBKDF2, so a count read before the guess
/// is judged lets every concurrent guess through. The test speaks only HTTP to the services.
@Suite("Key bundle lock", .serialized, .timeLimit(.minutes(5)))
struct KeyBundleLockTests {
    static let password = "correct horse battery staple"
    static let guesses = 20

    @Test("twenty wrong passwords at once: at most five are judged and audited, the rest and then the right one locked")
    func parallelGuesses() async throws {
        let environment = try TestEnvironment.require()
        try await TestStack.with(environment) { stack in
            try await stack.start()
            let workflow = try await Workflow.prepare(stack)
            let submitted = try await workflow.submit(
                SubmitRequestBody(
                    policy: "web-server", entities: ["www"], keyGeneration: "ec:P-256", keyPassword: Self.password))
            let id = submitted.id.uuidString
            #expect(try await workflow.waitForFinalState(id).state == .issued)
            let path = "/v1/realms/\(workflow.realm)/requests/\(id)/key-bundle?format=pkcs12"

            // One connection per guess: the shared URLSession allows only a few per host.
            let guesser = BundleGuesser(baseURL: stack["keygen"].baseURL, token: workflow.token)
            let answers = try await withThrowingTaskGroup(of: (Int, String?).self) { group in
                for guess in 0..<Self.guesses {
                    group.addTask { try await guesser.post(path, password: "wrong guess number \(guess)") }
                }
                return try await group.reduce(into: [(Int, String?)]()) { $0.append($1) }
            }
            let wrong = answers.filter { $0 == (403, "wrong-password") }.count
            let locked = answers.filter { $0 == (429, "rate-limited") }.count
            #expect(wrong + locked == Self.guesses, "only 403 wrong-password or 429 rate-limited: \(answers)")
            #expect(wrong <= 5, "\(wrong) guesses were judged; the lock allows 5")
            #expect(wrong >= 1)

            // The lock holds for the right password too.
            let right = try await guesser.post(path, password: Self.password)
            #expect(right == (429, "rate-limited"), "\(right)")

            // Every judged guess is audited, and no more than five.
            let trail = try await workflow.client("keygen").send("GET", "/v1/realms/\(workflow.realm)/audit/keygen")
            #expect(trail.status == 200, "\(trail.text)")
            let refusals = try trail.decode([AuditRecord].self)
                .filter { $0.action == "key.download-refused" && $0.target == id.lowercased() }
            #expect(refusals.count == wrong, "\(id): \(trail.text.prefix(3000))")
            #expect(refusals.count <= 5)
            #expect(try trail.decode([AuditRecord].self).contains { $0.action == "key.downloaded" } == false)
        }
    }
}

/// POSTs bundle requests over a session of its own that opens as many connections as asked.
private struct BundleGuesser: Sendable {
    let baseURL: URL
    let token: String
    let session: URLSession

    init(baseURL: URL, token: String, connections: Int = 32) {
        self.baseURL = baseURL
        self.token = token
        let configuration = URLSessionConfiguration.ephemeral
        configuration.httpMaximumConnectionsPerHost = connections
        configuration.timeoutIntervalForRequest = 60
        self.session = URLSession(configuration: configuration)
    }

    /// Status and problem code of one download attempt with `password`.
    func post(_ path: String, password: String) async throws -> (Int, String?) {
        guard let url = URL(string: path, relativeTo: baseURL) else { throw URLError(.badURL) }
        var request = URLRequest(url: url, timeoutInterval: 60)
        request.httpMethod = "POST"
        request.httpBody = try JSONEncoder().encode(KeyBundleBody(password: password))
        request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization")
        let (data, response) = try await session.data(for: request)
        let status = (response as? HTTPURLResponse)?.statusCode ?? 0
        return (status, try? JSONDecoder().decode(CLMClient.Problem.self, from: data).code)
    }
}
