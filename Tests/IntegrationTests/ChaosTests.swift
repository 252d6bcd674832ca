import CLMClient
import CLMContracts
import Foundation
import Synchronization
import Testing

/// Every part dies while a mixed stream of requests is in flight: each service is killed with
/// SIGKILL and restarted, the broker is restarted (Tansu keeps its log in memory, so it comes
/// back empty, committed offsets included), and PostgreSQL is restarted. Revocations and
/// renewals run in the stream too. Afterwards every request is issued exactly once, and every
/// revocation is on the CRL and OCSP, applied once.
///
/// The broker and PostgreSQL are the ones the whole test run shares; the suites run one at a
/// time (scripts/test.sh), and both are started again whatever happens here.
@Suite("Chaos", .serialized, .timeLimit(.minutes(10)))
struct ChaosTests {
    static let keyPassword = "chaos-bundle-password-1"

    /// What the stream submits, in turn.
    enum Kind: CaseIterable {
        case csrAutomatic, serverAutomatic, csrManual
    }

    @Test(
        "services SIGKILLed, broker and PostgreSQL restarted mid-stream: every request issued once, no revocation lost")
    func everythingDies() async throws {
        let environment = try TestEnvironment.require()
        try await TestStack.with(environment) { stack in
            // Re-drive requests without progress quickly: the broker restart loses events.
            stack["intake"].setEnvironment("CLM_REDRIVE_AFTER_SECONDS", "5")
            try await stack.start()
            let workflow = try await Workflow.prepare(stack)
            try await workflow.expect(
                201, "POST", "/v1/realms/\(workflow.realm)/policies", on: workflow.registry,
                ApprovalWorkflowTests.manualPolicy(id: "manual", approvers: 1))
            let csr = try OpenSSL.hostileCSR(directory: try temporaryDirectory())
            // One of each kind before anything dies, so the read models know both policies.
            let stream = SubmissionStream(workflow: workflow, csr: csr)
            for kind in Kind.allCases { try await stream.submitOnce(kind) }

            let lifecycle = LifecycleStream(workflow: workflow, csr: csr)
            let submitting = Task { await stream.run() }
            let revoking = Task { await lifecycle.run() }
            let approving = Task { await Self.approveEverything(workflow) }
            var faults: [String] = []
            do {
                try await Task.sleep(for: .seconds(2))
                for name in ["approval", "keygen", "ca-gateway", "intake", "registry"] {
                    stack[name].crash()
                    faults.append("kill -9 \(name)")
                    try await Task.sleep(for: .milliseconds(800))
                    try await stack[name].start()
                    try await Task.sleep(for: .seconds(2))
                }
                try Self.script(environment, "broker.sh", "stop")
                faults.append("broker restarted empty")
                try await Task.sleep(for: .seconds(1))
                try Self.script(environment, "broker.sh", "start")
                try await Task.sleep(for: .seconds(4))
                try Self.script(environment, "pg.sh", "stop")
                faults.append("PostgreSQL restarted")
                try await Task.sleep(for: .seconds(2))
                try Self.script(environment, "pg.sh", "start")
                try await Task.sleep(for: .seconds(4))
            } catch {
                // Whatever failed, leave the shared servers running for the next suites.
                try? Self.script(environment, "broker.sh", "start")
                try? Self.script(environment, "pg.sh", "start")
                submitting.cancel()
                revoking.cancel()
                approving.cancel()
                throw error
            }
            stream.stop()
            lifecycle.stop()
            await submitting.value
            await revoking.value
            #expect(stream.refusals.isEmpty, "submissions refused for good: \(stream.refusals)")
            #expect(lifecycle.refusals.isEmpty, "revocations or renewals refused: \(lifecycle.refusals)")
            #expect(lifecycle.revoked.count >= 3 && lifecycle.renewals.count >= 3, "too few: \(faults)")
            print(
                "chaos: \(stream.submitted.count) submitted, \(lifecycle.revoked.count) revoked, "
                    + "\(lifecycle.renewals.count) renewed through \(faults)")

            let submitted = stream.submitted
            // Renewals are requests like any other: each issued once.
            let ids = submitted.map(\.id) + lifecycle.renewals.map(\.id)
            let serverSide = submitted.filter { $0.kind == .serverAutomatic }.map(\.id)
            #expect(ids.count >= 20, "the stream submitted only \(ids.count) requests during \(faults)")
            var notIssued: [String] = []
            for id in ids {
                let request = try await workflow.waitForFinalState(id, timeout: .seconds(180))
                if request.state != .issued { notIssued.append("\(id): \(request.state.rawValue)") }
            }
            approving.cancel()
            #expect(notIssued.isEmpty, "not issued: \(notIssued)")

            let db = stack.database
            let list = ids.map { "'\($0.lowercased())'" }.joined(separator: ",")
            let n = "\(ids.count)"
            // Retried submissions (same Idempotency-Key) never made a second request.
            #expect(Set(ids).count == ids.count)
            #expect(try db.scalar("SELECT count(*) FROM intake.requests WHERE realm = '\(workflow.realm)'") == n)
            // Exactly one certificate per request, each with its own serial number.
            #expect(try db.scalar("SELECT count(*) FROM ca_gateway.certificates WHERE request_id IN (\(list))") == n)
            #expect(
                try db.scalar(
                    "SELECT count(DISTINCT serial_number) FROM ca_gateway.certificates WHERE realm = '\(workflow.realm)'"
                ) == n)
            #expect(
                try db.scalar("SELECT count(*) FROM ca_gateway.certificates WHERE realm = '\(workflow.realm)'") == n)
            // The inventory, as a user sees it, lists each request once.
            let inventory = try await workflow.client("ca-gateway").send(
                "GET", "/v1/realms/\(workflow.realm)/certificates?limit=1000")
            let listed = ((try? inventory.decode(CertificatePage.self))?.certificates ?? []).map {
                $0.request.uuidString.lowercased()
            }
            #expect(listed.sorted() == ids.map { $0.lowercased() }.sorted())
            // One decision per request, one key per server-side request.
            #expect(try db.scalar("SELECT count(*) FROM approval.decisions WHERE request_id IN (\(list))") == n)
            #expect(
                try db.scalar("SELECT count(*) FROM keygen.keys WHERE realm = '\(workflow.realm)'")
                    == "\(serverSide.count)")
            // Nothing applied twice: every request went through approved and issued exactly once.
            #expect(
                try db.query(
                    """
                    SELECT request_id, state FROM intake.request_history WHERE request_id IN (\(list))
                    AND state IN ('approved', 'key_generated', 'issued')
                    AND NOT (actor = 'keygen' AND state = 'issued') -- key destruction notes, not transitions
                    GROUP BY request_id, state HAVING count(*) <> 1
                    """
                ).isEmpty)
            #expect(
                try db.scalar(
                    "SELECT count(*) FROM intake.request_history WHERE request_id IN (\(list)) AND state = 'issued' AND actor <> 'keygen'"
                )
                    == n)
            // The broker restart was noticed and what it lost was published again.
            let replayed = TestStack.names.filter {
                stack[$0].log.contains("the broker lost events it had acknowledged")
            }
            #expect(!replayed.isEmpty, "no service noticed the broker losing its log")
            try await lifecycle.expectEveryRevocationPublished(stack)
        }
    }

    /// Runs a script of scripts/ (broker.sh, pg.sh) with the test run's environment. Output
    /// goes to a file, not a pipe: the server a script starts would hold a pipe open.
    static func script(_ environment: TestEnvironment, _ name: String, _ argument: String) throws {
        let output = FileManager.default.temporaryDirectory.appendingPathComponent("clm-chaos-\(uniqueSuffix()).out")
        FileManager.default.createFile(atPath: output.path, contents: nil)
        defer { try? FileManager.default.removeItem(at: output) }
        let handle = try FileHandle(forWritingTo: output)
        defer { try? handle.close() }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/bash")
        process.arguments = [environment.repoRoot.appendingPathComponent("scripts/\(name)").path, argument]
        process.environment = ProcessInfo.processInfo.environment
        process.standardOutput = handle
        process.standardError = handle
        process.standardInput = FileHandle.nullDevice
        try ChildProcesses.launch(process)
        // Not waitUntilExit(): the server the script starts keeps Foundation's exit socket
        // open, so Foundation would not see the script end.
        let exitCode = ProcessExit.waitBlocking(for: process, timeout: .seconds(120)) ?? -1
        guard exitCode == 0 else {
            let text = (try? String(contentsOf: output, encoding: .utf8)) ?? ""
            throw TestSetupError("scripts/\(name) \(argument) exited \(exitCode): \(text)")
        }
    }

    /// An approver who approves every request waiting for one, tolerating the outages.
    static func approveEverything(_ workflow: Workflow) async {
        guard let approver = try? workflow.client("approval", as: "ann@test.example", roles: ["approver"]) else {
            return
        }
        let approvals = "/v1/realms/\(workflow.realm)/approvals"
        while !Task.isCancelled {
            if let answer = try? await approver.send("GET", approvals), answer.status == 200,
                let pending = try? answer.decode([DecisionView].self)
            {
                for id in pending.map(\.request.uuidString) {
                    _ = try? await approver.send("POST", "\(approvals)/\(id)/approve", json: ApproveBody())
                }
            }
            try? await Task.sleep(for: .milliseconds(300))
        }
    }
}

/// Submits requests one after another until stopped. Each has its own Idempotency-Key and is
/// retried with it through 503s and refused connections, as a careful client would.
final class SubmissionStream: Sendable {
    struct Submitted: Sendable {
        let id: String
        let kind: ChaosTests.Kind
    }

    let workflow: Workflow
    let csr: String
    private let state = Mutex((submitted: [Submitted](), refusals: [String](), stopped: false))

    init(workflow: Workflow, csr: String) {
        self.workflow = workflow
        self.csr = csr
    }

    var submitted: [Submitted] { state.withLock { $0.submitted } }
    var refusals: [String] { state.withLock { $0.refusals } }
    func stop() { state.withLock { $0.stopped = true } }

    func run() async {
        var next = 0
        while !state.withLock({ $0.stopped }) && !Task.isCancelled {
            let kind = ChaosTests.Kind.allCases[next % ChaosTests.Kind.allCases.count]
            next += 1
            try? await submitOnce(kind)
            try? await Task.sleep(for: .milliseconds(300))
        }
    }

    func body(_ kind: ChaosTests.Kind) -> SubmitRequestBody {
        switch kind {
        case .csrAutomatic: SubmitRequestBody(policy: "web-server", entities: ["www"], csr: csr)
        case .serverAutomatic:
            SubmitRequestBody(
                policy: "web-server", entities: ["www"], keyGeneration: "ec:P-256", keyPassword: ChaosTests.keyPassword)
        case .csrManual: SubmitRequestBody(policy: "manual", entities: ["www"], csr: csr)
        }
    }

    /// Submits one request, retrying transient failures for up to two minutes.
    func submitOnce(_ kind: ChaosTests.Kind) async throws {
        let key = UUID().uuidString
        let deadline = ContinuousClock.now + .seconds(120)
        var lastProblem = ""
        while ContinuousClock.now < deadline {
            do {
                let answer = try await workflow.post(body(kind), headers: ["Idempotency-Key": key])
                if (200..<300).contains(answer.status), let id = (try? answer.decode(RequestView.self))?.id.uuidString {
                    state.withLock { $0.submitted.append(Submitted(id: id, kind: kind)) }
                    return
                }
                lastProblem = "\(answer.status): \(answer.text)"
                // 503 (database or broker away) and 5xx from a dying process are worth a retry;
                // any other refusal is a bug this test reports.
                if answer.status < 500 {
                    state.withLock { $0.refusals.append(lastProblem) }
                    return
                }
            } catch {
                lastProblem = "\(error)"
            }
            try await Task.sleep(for: .milliseconds(300))
        }
        state.withLock { $0.refusals.append("gave up after two minutes: \(lastProblem)") }
    }
}
