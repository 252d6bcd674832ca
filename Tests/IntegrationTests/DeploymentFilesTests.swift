import Foundation
import Testing

/// No Docker engine runs here, so the container files are checked for what can be checked:
/// they parse, and they name and wire every service.
@Suite("Deployment files")
struct DeploymentFilesTests {
    static let repoRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    @Test(
        "compose.yaml parses and runs Kafka, PostgreSQL, the edge, all five services and the console with health checks"
    )
    func composeFile() throws {
        let script = """
            import json, sys, yaml
            doc = yaml.safe_load(open(sys.argv[1]))
            print(json.dumps({name: {"build": "build" in svc, "health": "healthcheck" in svc,
                                     "env": sorted((svc.get("environment") or {}).keys()) if isinstance(svc.get("environment"), dict) else []}
                              for name, svc in doc["services"].items()}))
            """
        let result = try run(
            "/usr/bin/python3", ["-c", script, Self.repoRoot.appendingPathComponent("compose.yaml").path])
        #expect(result.status == 0, "\(result.stderr)")
        // Untyped on purpose: compose.yaml as python prints it, not a CLM API answer.
        let services =
            try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: [String: Any]] ?? [:]
        for name in ["kafka", "postgres", "edge", "registry", "intake", "approval", "keygen", "ca-gateway", "console"] {
            #expect(services[name] != nil, "compose.yaml has no service '\(name)'")
        }
        for name in ["registry", "intake", "approval", "keygen", "ca-gateway"] {
            let service = services[name] ?? [:]
            #expect(service["build"] as? Bool == true, "\(name) is not built from deploy/")
            #expect(service["health"] as? Bool == true, "\(name) has no health check")
            let env = service["env"] as? [String] ?? []
            for key in ["CLM_PG_HOST", "CLM_PG_PASSWORD", "CLM_KAFKA_BROKERS"] {
                #expect(env.contains(key), "\(name) lacks \(key)")
            }
        }
        // The console has no database or broker, but must know its API and identity provider.
        let console = services["console"] ?? [:]
        #expect(console["build"] as? Bool == true && console["health"] as? Bool == true)
        for key in ["CLM_CONSOLE_API_URL", "CLM_CONSOLE_OIDC_ISSUER", "CLM_CONSOLE_PUBLIC_URL"] {
            #expect((console["env"] as? [String] ?? []).contains(key), "console lacks \(key)")
        }
    }

    @Test("the Dockerfile builds every product on a base whose librdkafka is new enough and ships the resources")
    func dockerfile() throws {
        let text = try String(contentsOf: Self.repoRoot.appendingPathComponent("deploy/Dockerfile"), encoding: .utf8)
        #expect(text.contains("ubuntu:24.04"))
        #expect(text.contains("librdkafka1"))
        // Every resource bundle next to the binary: the event schemas, the console's pages.
        #expect(text.contains("clm_*.resources"))
        #expect(text.contains("swift build -c release"))
    }
}
