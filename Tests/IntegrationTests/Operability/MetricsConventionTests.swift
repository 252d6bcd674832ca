import CLMClient
import CLMContracts
import Foundation
import Testing

/// Every service's `/metrics` as Prometheus's own linter judges it (`promtool check metrics`,
/// taken from Debian's prometheus package by scripts/setup.sh), after real traffic, with the
/// conventional names a platform's dashboards expect.
@Suite("Metrics conventions", .serialized, .timeLimit(.minutes(5)))
struct MetricsConventionTests {
    @Test("promtool check metrics passes on every service's /metrics; HTTP metrics have conventional names")
    func promtoolPasses() async throws {
        let environment = try TestEnvironment.require()
        let promtool = environment.repoRoot.appendingPathComponent(".local/prometheus/usr/bin/promtool").path
        guard FileManager.default.isExecutableFile(atPath: promtool) else {
            throw TestSetupError("\(promtool) is missing: run scripts/setup.sh (make test does)")
        }
        try await TestStack.with(environment) { stack in
            try await stack.start()
            let workflow = try await Workflow.prepare(stack)
            let csr = try OpenSSL.hostileCSR(directory: try temporaryDirectory())
            _ = try await workflow.waitForFinalState(try await workflow.submit(csr: csr))
            // An error answer too, so the error counters exist.
            _ = try await workflow.intake.send("GET", "/v1/realms/\(workflow.realm)/requests/not-a-uuid")
            for name in TestStack.names {
                let text = try await stack.client(name, token: nil).send("GET", "/metrics").text
                let lint = try run(promtool, ["check", "metrics"], input: text, timeout: .seconds(30))
                let findings = "\(lint.stdout)\(lint.stderr)".prefix(3000)
                #expect(lint.status == 0, "\(name): promtool check metrics found:\n\(findings)")
                let names = Set(
                    text.split(separator: "\n").filter { !$0.hasPrefix("#") }.compactMap {
                        $0.split(whereSeparator: { $0 == "{" || $0 == " " }).first.map(String.init)
                    })
                for expected in [
                    "http_server_requests_total", "http_server_request_duration_seconds_bucket",
                    "http_server_request_errors_total",
                ] {
                    #expect(names.contains(expected), "\(name) has no \(expected)")
                }
                #expect(!names.contains { $0.hasPrefix("hb_") }, "\(name) still exports hb_* names")
                let undescribed = text.split(separator: "\n").filter {
                    $0.hasPrefix("# HELP") && $0.hasSuffix("(no description)")
                }
                #expect(undescribed.count == 0, "\(name): metrics without help text in MetricHelp: \(undescribed)")
            }
        }
    }
}
