import CLMContracts
import Foundation
import Testing

/// Services killed with SIGKILL while requests are in flight: nothing is lost and nothing is
/// issued twice.
@Suite("Crash recovery", .serialized, .timeLimit(.minutes(6)))
struct CrashRecoveryTests {
    @Test("consumers killed mid-stream and restarted process every event exactly once in effect")
    func killAndRestartMidStream() async throws {
        let environment = try TestEnvironment.require()
        try await TestStack.with(environment) { stack in
            try await stack.start()
            let directory = try temporaryDirectory()
            let workflow = try await Workflow.prepare(stack)
            let csr = try OpenSSL.hostileCSR(directory: directory)

            var ids: [String] = []
            for _ in 0..<15 { ids.append(try await workflow.submit(csr: csr)) }
            // Kill the two consumers while the first wave is being processed.
            stack["ca-gateway"].crash()
            stack["approval"].crash()
            for _ in 0..<15 { ids.append(try await workflow.submit(csr: csr)) }
            // Intake dies too, with issued events still to apply.
            try await stack["approval"].start()
            stack["intake"].crash()
            try await stack["ca-gateway"].start()
            try await stack["intake"].start()

            for id in ids {
                let request = try await workflow.waitForFinalState(id, timeout: .seconds(120))
                #expect(request.state == .issued, "\(id): \(request)")
            }
            let db = stack.database
            let list = ids.map { "'\($0)'" }.joined(separator: ",")
            #expect(try db.scalar("SELECT count(*) FROM ca_gateway.certificates WHERE request_id IN (\(list))") == "30")
            #expect(try db.scalar("SELECT count(DISTINCT serial_number) FROM ca_gateway.certificates") == "30")
            #expect(try db.scalar("SELECT count(*) FROM approval.decisions") == "30")
            // Exactly one approval and one issuance per request in intake's history.
            #expect(
                try db.query(
                    "SELECT request_id FROM intake.request_history WHERE state IN ('approved','issued') GROUP BY request_id, state HAVING count(*) <> 1"
                ).isEmpty)
            #expect(try db.scalar("SELECT count(*) FROM intake.requests WHERE state = 'issued'") == "30")
            // Every service's inbox saw each event once; re-deliveries were dropped there.
            #expect(
                try db.scalar("SELECT count(*) FROM ca_gateway.inbox WHERE event_type = 'clm.request.approved.v1'")
                    == "30")
        }
    }
}
