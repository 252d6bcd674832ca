import CLMContracts
import CLMIdentity
import CLMServiceKit
import CLMStorage
import Foundation
import Testing

@testable import Intake

/// Every command gets exactly one result, also those the normal path cannot judge: in-process
/// against a real PostgreSQL, reading the answer from intake's outbox.
@Suite("Kafka command answers", .serialized, .timeLimit(.minutes(3)))
struct CommandAnswerTests {
    static func header(type: EventType, realm: String = "acme") throws -> EventHeader {
        try EventHeader.decode(
            Array(
                #"{"specversion":"1.0","id":"\#(UUID().uuidString)","source":"/test","type":"\#(type.rawValue)","subject":"x","time":"2026-01-01T00:00:00Z","realm":"\#(realm)","data":{}}"#
                    .utf8))
    }

    static func handler(keysAt url: URL) -> (IntakeEventHandler, CommandHandler) {
        let store = IntakeStore()
        let members = RealmMembers(schema: "intake")
        let commands = CommandHandler(
            submit: SubmitRequest(store: store, audit: AuditLog(service: "intake", schema: "intake")),
            caller: CommandCaller(
                authenticator: BearerAuthenticator(
                    verifier: TokenVerifier(issuer: "clm-dev", audience: "clm"), keys: KeySetCache(url: url)),
                members: members))
        return (
            IntakeEventHandler(store: store, track: TrackRequest(store: store), commands: commands, members: members),
            commands
        )
    }

    /// The command results in the outbox, as `code` (or `accepted`) per command id.
    static func answers(_ db: InProcessDatabase) throws -> [String] {
        try db.database.query(
            """
            SELECT key || ' ' || coalesce(convert_from(payload, 'UTF8')::jsonb #>> '{data,code}', 'accepted')
            FROM intake.outbox WHERE event_type = 'clm.request.command-result.v1' ORDER BY id
            """)
    }

    @Test("a command whose token cannot be judged (no key set) is answered unavailable at once")
    func keySetUnavailable() async throws {
        let db = try await InProcessDatabase.start(IntakeModule.definition)
        defer { db.stop() }
        let (_, commands) = Self.handler(keysAt: URL(fileURLWithPath: "/nonexistent/jwks.json"))
        let token = try TestIdentity.provider.mint(
            subject: "kim", issuer: "clm-dev", audience: "clm", platformRoles: [], realmRoles: ["acme": ["requester"]],
            lifetime: .seconds(600))
        let header = try Self.header(type: .submitCommand)
        let command = SubmitCommand(token: token, policy: "web-server", entities: ["www"], csr: "x")
        try await db.write { tx in try await commands.handle(ReceivedEvent(header: header, data: command), in: tx) }
        #expect(try Self.answers(db) == ["\(header.id.lowercasedString) unavailable"])
        #expect(try db.database.scalar("SELECT count(*) FROM intake.requests") == "0")
    }

    @Test("a command set aside (schema, payload) is answered invalid-command; other events get no answer")
    func rejected() async throws {
        let db = try await InProcessDatabase.start(IntakeModule.definition)
        defer { db.stop() }
        let (handler, _) = Self.handler(keysAt: TestIdentity.jwksURL)
        let command = try Self.header(type: .submitCommand)
        let other = try Self.header(type: .requestApproved)
        try await db.write { tx in
            try await handler.rejected(command, reason: "violates its schema: /data/entities: expected array", in: tx)
            try await handler.rejected(other, reason: "violates its schema", in: tx)
        }
        #expect(try Self.answers(db) == ["\(command.id.lowercasedString) invalid-command"])
        let detail = try db.database.scalar(
            "SELECT convert_from(payload, 'UTF8')::jsonb #>> '{data,reason}' FROM intake.outbox WHERE event_type = 'clm.request.command-result.v1'"
        )
        #expect(detail.contains("/data/entities: expected array"))
    }
}
