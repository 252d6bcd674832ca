import CLMContracts
import CLMIdentity
import Foundation

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// `clm-bench`: drives certificate requests through the public API of a running CLM, measures
/// submit-to-issued throughput and latency per scenario, the crypto limit of one core in the
/// same run, and each service's CPU and memory; prints a table and writes JSON.
///
/// Settings (environment): `CLM_URL` (edge, default http://127.0.0.1:8080),
/// `CLM_BENCH_SCALE` (multiplies request counts, default 1), `CLM_BENCH_CONCURRENCY` (50),
/// `CLM_BENCH_SCENARIOS` (comma list, default all), `CLM_BENCH_OUTPUT` (JSON path),
/// `CLM_DEV_IDP_DIR` (.local/idp), `CLM_RUN_DIR` (.run, for service pids).
@main
struct Bench {
    static func main() async {
        do {
            try await run()
        } catch {
            FileHandle.standardError.write(Data("clm-bench: \(error)\n".utf8))
            exit(1)
        }
    }

    static func run() async throws {
        let env = ProcessInfo.processInfo.environment
        let base = URL(string: env["CLM_URL"] ?? "http://127.0.0.1:8080")!
        let scale = Double(env["CLM_BENCH_SCALE"] ?? "1") ?? 1
        let concurrency = Int(env["CLM_BENCH_CONCURRENCY"] ?? "50") ?? 50
        let wanted = env["CLM_BENCH_SCENARIOS"].flatMap {
            $0.isEmpty ? nil : Set($0.split(separator: ",").map(String.init))
        }
        let runDirectory = URL(fileURLWithPath: env["CLM_RUN_DIR"] ?? ".run")
        let idp = try DevelopmentIdentityProvider.load(
            directory: URL(fileURLWithPath: env["CLM_DEV_IDP_DIR"] ?? ".local/idp"))
        let realm = "bench-\(Int(Date().timeIntervalSince1970))"
        let token = try idp.mint(
            subject: "bench@clm.local", issuer: env["CLM_AUTH_ISSUER"] ?? "clm-dev",
            audience: env["CLM_AUTH_AUDIENCE"] ?? "clm",
            platformRoles: ["platform-admin"], realmRoles: [realm: ["realm-admin", "requester", "auditor"]],
            lifetime: .seconds(3600))
        let http = HTTP(base: base, token: token, connections: concurrency + 4)

        print("clm-bench: \(base.absoluteString), realm \(realm), concurrency \(concurrency)")
        try await prepareRealm(realm, http: http)
        let csr = try makeCSR()

        let scenarios = scenarios(scale: scale, concurrency: concurrency).filter { wanted?.contains($0.name) ?? true }

        // Wait until intake knows the policy (the registry topic is asynchronous).
        try await http.waitForReadModel(realm: realm, csr: csr)

        let services = ["registry", "intake", "approval", "keygen", "ca-gateway"]
        let before = Dictionary(
            uniqueKeysWithValues: services.compactMap { name in
                ProcessStats.pid(of: name, runDirectory: runDirectory).flatMap(ProcessStats.read).map { (name, $0) }
            })
        var results: [Driver.Result] = []
        for scenario in scenarios {
            print("  \(scenario.name): \(scenario.count) requests at concurrency \(scenario.concurrency) …")
            let result = try await Driver(http: http, realm: realm, csr: csr).run(scenario)
            results.append(result)
        }
        let after = Dictionary(
            uniqueKeysWithValues: services.compactMap { name in
                ProcessStats.pid(of: name, runDirectory: runDirectory).flatMap(ProcessStats.read).map { (name, $0) }
            })

        print("  measuring one core's crypto limit …")
        let limits = try CryptoLimits.all()
        Report(
            results: results, limits: limits, before: before, after: after, services: services, concurrency: concurrency
        )
        .emit(
            jsonPath: env["CLM_BENCH_OUTPUT"] ?? runDirectory.appendingPathComponent("bench/bench-\(realm).json").path)
    }

    /// The benchmark's realm, its automatic policy and one end entity.
    static func prepareRealm(_ realm: String, http: HTTP) async throws {
        try await http.expect(201, "POST", "/v1/realms", CreateRealmBody(id: realm, displayName: "Benchmark"))
        try await http.expect(
            201, "POST", "/v1/realms/\(realm)/policies",
            PolicyDocument(
                id: "bench", ca: "default", keyTemplate: .init(rsaBits: [3072], ecCurves: ["P-256"], eddsa: []),
                validity: .init(defaultDays: 30, maxDays: 90),
                profile: .init(keyUsage: ["digitalSignature"], extendedKeyUsage: ["serverAuth"]),
                approval: .init(mode: .automatic), keyRetention: "1h"))
        try await http.expect(
            201, "POST", "/v1/realms/\(realm)/end-entities",
            EndEntity(
                id: "svc", kind: .service,
                attributes: .init(commonName: "svc.bench.example", dnsNames: ["svc.bench.example"])))
    }

    static func scenarios(scale: Double, concurrency: Int) -> [Scenario] {
        let password = "bench-password-123"
        func generated(_ spec: String) -> @Sendable (String) -> SubmitRequestBody {
            { _ in SubmitRequestBody(policy: "bench", entities: ["svc"], keyGeneration: spec, keyPassword: password) }
        }
        return [
            Scenario(
                name: "csr-ec-p256", body: { SubmitRequestBody(policy: "bench", entities: ["svc"], csr: $0) },
                count: Int(600 * scale), concurrency: concurrency, limitName: "ECDSA P-256 sign"),
            Scenario(
                name: "server-ec-p256", body: generated("ec:P-256"), count: Int(200 * scale), concurrency: concurrency,
                limitName: "EC P-256 keygen"),
            Scenario(
                name: "server-rsa-3072", body: generated("rsa:3072"), count: max(4, Int(24 * scale)),
                concurrency: min(concurrency, 8), limitName: "RSA-3072 keygen"),
        ]
    }

    /// One EC P-256 CSR for every CSR request (intake takes only its public key anyway).
    static func makeCSR() throws -> String {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("clm-bench-\(getpid())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/openssl")
        process.arguments = [
            "req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
            "-keyout", directory.appendingPathComponent("k.pem").path, "-subj", "/CN=bench",
            "-out", directory.appendingPathComponent("r.csr").path,
        ]
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        return try String(contentsOf: directory.appendingPathComponent("r.csr"), encoding: .utf8)
    }
}
