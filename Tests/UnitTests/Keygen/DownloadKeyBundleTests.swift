import CLMContracts
import CLMCrypto
import Foundation
import Testing

@testable import Keygen

@Suite("Keygen: DownloadKeyBundle")
struct KeygenDownloadKeyBundleTests {
    static let password = "correct horse battery staple"
    static let realm = "r1"
    static let requester = "alice@test.example"
    /// A cheap verifier: the tests judge many guesses.
    static let verifier = try! PasswordVerifier.make(password: password, iterations: 1_000).description

    /// A store holding one issued key of `requester` (and its order, with the chosen password).
    static func issuedKey(
        verifier: String? = verifier, certificate: String? = "CERT", destroyedAt: Date? = nil, cause: String? = nil
    ) async -> (FakeKeygenStore, UUID) {
        let store = FakeKeygenStore()
        let id = UUID()
        await store.change { tables in
            tables.orders[id] = KeyOrderRecord(
                request: id, realm: realm, keySpec: "ec:P-256", requester: requester, retentionSeconds: 60,
                passwordVerifier: verifier)
            tables.keys[id] = FakeKeygenStore.Key(
                realm: realm,
                stored: StoredKey(
                    sealedKey: destroyedAt == nil ? [1, 2, 3] : nil, certificate: certificate,
                    chain: certificate == nil ? nil : "CHAIN", destroyedAt: destroyedAt, destroyCause: cause))
        }
        return (store, id)
    }

    static func useCase(_ store: FakeKeygenStore) -> DownloadKeyBundle {
        DownloadKeyBundle(
            store: store, maker: FakeBundleMaker(), certificateWait: .milliseconds(300),
            pollInterval: .milliseconds(10))
    }

    static func download(
        _ store: FakeKeygenStore, _ id: UUID, password: String?, format: BundleFormat = .pkcs12,
        requester: String = requester
    ) async -> Result<[UInt8], Problem> {
        do {
            return .success(
                try await useCase(store).execute(
                    .init(request: id, realm: realm, requester: requester, format: format, password: password),
                    logger: store.logger))
        } catch let problem as Problem {
            return .failure(problem)
        } catch {
            return .failure(.internal("unexpected \(error)"))
        }
    }

    static func code(_ result: Result<[UInt8], Problem>) -> String {
        switch result {
        case .success: "ok"
        case .failure(let problem): problem.code
        }
    }

    @Test("twenty wrong guesses in parallel: five are judged and audited, the rest and then the right password locked")
    func parallelGuesses() async throws {
        let (store, id) = await Self.issuedKey()
        let codes = await withTaskGroup(of: String.self) { group in
            for guess in 0..<20 {
                group.addTask { Self.code(await Self.download(store, id, password: "wrong guess number \(guess)")) }
            }
            return await group.reduce(into: [String]()) { $0.append($1) }
        }
        #expect(codes.filter { $0 == "wrong-password" }.count == 5, "\(codes)")
        #expect(codes.filter { $0 == "rate-limited" }.count == 15, "\(codes)")
        let right = await Self.download(store, id, password: Self.password)
        #expect(Self.code(right) == "rate-limited")
        if case .failure(let problem) = right { #expect(problem.retryAfter == 3600) }

        let tables = await store.tables
        let refusals = tables.audits.filter { $0.action == "key.download-refused" }
        #expect(refusals.count == 5)
        #expect(Set(refusals.map(\.details)) == Set((1...5).map { "wrong password (attempt \($0) of 5)" }))
        #expect(refusals.allSatisfy { $0.actor == Self.requester && $0.target == id.lowercasedString })
        #expect(tables.failedDownloads[id] == 5)
        #expect(tables.keys[id]?.stored.state == .issued, "the key is still there")
        #expect(tables.published.isEmpty)
    }

    @Test("the right password gives its attempt back, downloads once, destroys the key, publishes and audits it")
    func rightPassword() async throws {
        let (store, id) = await Self.issuedKey()
        for _ in 0..<4 {
            #expect(Self.code(await Self.download(store, id, password: "not the chosen one")) == "wrong-password")
        }
        let bundle = try await Self.download(store, id, password: Self.password).get()
        #expect(String(decoding: bundle, as: UTF8.self) == "pkcs12:\(id.lowercasedString):CERT")

        let tables = await store.tables
        #expect(tables.failedDownloads[id] == 4, "the right guess does not count")
        #expect(tables.keys[id]?.stored.state == .destroyed(.downloaded))
        let destroyed = try #require(tables.published.only as? KeyDestroyed)
        #expect(destroyed.cause == .downloaded && destroyed.request == id && destroyed.realm == Self.realm)
        #expect(destroyed.reason == "private key downloaded as PKCS#12 by \(Self.requester) and destroyed")
        let downloaded = try #require(tables.audits.last)
        #expect(downloaded.action == "key.downloaded" && downloaded.details == "format pkcs12, password-protected true")

        let again = await Self.download(store, id, password: Self.password)
        #expect(Self.code(again) == "key-destroyed")
        if case .failure(let problem) = again {
            #expect(problem.kind == .gone)
            #expect(problem.detail.hasPrefix("the private key no longer exists: it was downloaded once already ("))
        }
        #expect(await store.tables.failedDownloads[id] == 4)
    }

    @Test("a right password while the certificate is missing is refused 409 and costs no attempt")
    func notIssued() async throws {
        let (store, id) = await Self.issuedKey(certificate: nil)
        for _ in 0..<6 {
            let result = await Self.download(store, id, password: Self.password)
            #expect(Self.code(result) == "not-issued")
            if case .failure(let problem) = result { #expect(problem.kind == .conflict && problem.retryAfter == 2) }
        }
        #expect(await store.tables.failedDownloads[id, default: 0] == 0)
        #expect(await store.tables.keys[id]?.stored.state == .generated)
    }

    @Test("a certificate that arrives while the download waits is used")
    func waitsForCertificate() async throws {
        let (store, id) = await Self.issuedKey(certificate: nil)
        async let result = Self.download(store, id, password: Self.password)
        try await Task.sleep(for: .milliseconds(50))
        try await store.transaction(logger: store.logger) { tx in
            try await tx.attachCertificate(request: id, realm: Self.realm, certificate: "LATE", chain: "CHAIN")
        }
        #expect(Self.code(await result) == "ok")
    }

    static let causes = [
        ("retention-expired", "its retention period passed without a download"),
        ("request-ended", "the request ended without a certificate"),
        ("something-else", "it was destroyed"),
    ]

    @Test("a key destroyed by its retention or unknown cause says so", arguments: causes)
    func destroyed(_ cause: String, _ why: String) async throws {
        let at = Date(timeIntervalSince1970: 1_800_000_000)
        let (store, id) = await Self.issuedKey(destroyedAt: at, cause: cause)
        let result = await Self.download(store, id, password: Self.password)
        guard case .failure(let problem) = result else {
            Issue.record("downloaded a destroyed key")
            return
        }
        #expect(problem.code == "key-destroyed")
        #expect(problem.detail == "the private key no longer exists: \(why) (\(ContractCoding.formatTimestamp(at)))")
    }

    @Test("anyone but the requester learns nothing and uses up no attempt")
    func otherRequester() async throws {
        let (store, id) = await Self.issuedKey()
        for _ in 0..<7 {
            let result = await Self.download(
                store, id, password: "a guess by mallory", requester: "mallory@test.example")
            #expect(Self.code(result) == "not-found")
        }
        #expect(await store.tables.failedDownloads[id, default: 0] == 0)
        #expect(await store.tables.audits.isEmpty)
        #expect(Self.code(await Self.download(store, UUID(), password: Self.password)) == "not-found")
    }

    @Test("without a chosen password a PEM key downloads unencrypted, and nothing is counted")
    func noChosenPassword() async throws {
        let (store, id) = await Self.issuedKey(verifier: nil)
        let bundle = try await Self.download(store, id, password: nil, format: .pem).get()
        #expect(String(decoding: bundle, as: UTF8.self).hasPrefix("pem:"))
        #expect(await store.tables.failedDownloads[id] == nil)
        #expect(await store.tables.audits.last?.details == "format pem, password-protected false")
    }

    @Test("a PEM download without the chosen password is a wrong guess")
    func pemWithoutChosenPassword() async throws {
        let (store, id) = await Self.issuedKey()
        #expect(Self.code(await Self.download(store, id, password: nil, format: .pem)) == "wrong-password")
        #expect(await store.tables.failedDownloads[id] == 1)
    }

    @Test("missing and weak passwords are refused before anything is read")
    func passwordRules() async throws {
        let (store, id) = await Self.issuedKey()
        #expect(Self.code(await Self.download(store, id, password: nil)) == "missing-password")
        #expect(Self.code(await Self.download(store, id, password: "short")) == "weak-password")
        #expect(await store.tables.claims == 0)
    }

    @Test("an unreadable verifier is an internal error")
    func unreadableVerifier() async throws {
        let (store, id) = await Self.issuedKey(verifier: "not a verifier")
        #expect(Self.code(await Self.download(store, id, password: Self.password)) == "internal")
    }
}

fileprivate extension Array {
    /// The one element, if there is exactly one.
    var only: Element? { count == 1 ? first : nil }
}
