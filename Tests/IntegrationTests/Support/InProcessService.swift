import CLMClient
import CLMContracts
import CLMMessaging
import CLMStorage
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import Testing

@testable import CLMServiceKit

/// One service's module in-process over a real PostgreSQL and broker: a fresh database with
/// its schema migrated, the `ServiceContext` the runner would build (its role's client, a
/// producer on the test broker with a topic prefix of its own, the outbox and an idle relay, a
/// database monitor reporting available, bearer tokens of `TestIdentity`), and the runner's
/// router with the module's routes, for `app.test(.router)`.
struct InProcessService<Module: ServiceModule>: Sendable {
    let db: InProcessDatabase
    let context: ServiceContext
    let module: Module
    private let producerTask: Task<Void, Never>

    static func start() async throws -> InProcessService {
        let environment = try TestEnvironment.require()
        let definition = Module.definition
        let db = try await InProcessDatabase.start(definition)
        do {
            let configuration = try ServiceConfiguration.fromEnvironment(
                service: definition,
                environment: [
                    "CLM_PG_HOST": environment.pgHost, "CLM_PG_PORT": "\(environment.pgPort)",
                    "CLM_PG_DATABASE": db.database.name,
                    "CLM_PG_PASSWORD": environment.password(ofService: definition.name),
                    "CLM_KAFKA_BROKERS": environment.kafkaBrokers, "CLM_KAFKA_TOPIC_PREFIX": "t\(uniqueSuffix())",
                    "CLM_AUTH_JWKS_URL": TestIdentity.jwksURL.absoluteString,
                ])
            let producer = try KafkaProducer(configuration: configuration.kafka, logger: db.logger)
            // Run (and, when cancelled, flushed and destroyed) like the runner's; nothing is
            // produced since the relay does not run.
            let producerTask = Task { () -> Void in _ = try? await producer.run() }
            let context = ServiceRunner.makeContext(
                definition: definition, configuration: configuration, client: db.client, producer: producer,
                logger: db.logger)
            do {
                let module = try await withDeadline(.seconds(30)) { try await Module.make(context: context) }
                return InProcessService(db: db, context: context, module: module, producerTask: producerTask)
            } catch {
                await Self.stop(producerTask)
                throw error
            }
        } catch {
            db.stop()
            throw error
        }
    }

    /// The runner's router (problems, admission, authentication, audit and health routes) with
    /// the module's routes.
    func application() -> some ApplicationProtocol {
        let router = ServiceRunner.makeRouter(context: context, metrics: .init(), consumerJoined: nil)
        module.addRoutes(to: router)
        return Application(router: router)
    }

    func stop() async {
        await Self.stop(producerTask)
        db.stop()
    }

    private static func stop(_ producer: Task<Void, Never>) async {
        producer.cancel()
        _ = try? await withDeadline(.seconds(15)) { await producer.value }
    }

    /// Runs `body` with a fresh service and always stops it afterwards.
    static func with<T: Sendable>(_ body: (InProcessService) async throws -> T) async throws -> T {
        let service = try await start()
        do {
            let result = try await body(service)
            await service.stop()
            return result
        } catch {
            await service.stop()
            throw error
        }
    }
}

/// Calls of a route test: JSON bodies and answers through the shared API types, with a token of
/// the test identity provider.
enum RouteCall {
    /// A token of `TestIdentity` for `subject`.
    static func token(_ subject: String, platformAdmin: Bool = false, roles: [String: Set<String>] = [:]) throws
        -> String
    {
        try TestIdentity.provider.mint(
            subject: subject, issuer: "clm-dev", audience: "clm",
            platformRoles: platformAdmin ? ["platform-admin"] : [], realmRoles: roles, lifetime: .seconds(600))
    }

    /// Sends `body` (raw bytes) with `token`.
    static func send(
        _ client: some TestClientProtocol, _ method: HTTPRequest.Method, _ uri: String, token: String?,
        bytes: [UInt8]? = nil, headers: HTTPFields = [:]
    ) async throws -> TestResponse {
        var headers = headers
        if let token { headers[.authorization] = "Bearer \(token)" }
        if bytes != nil { headers[.contentType] = "application/json" }
        return try await client.execute(
            uri: uri, method: method, headers: headers, body: bytes.map { ByteBuffer(bytes: $0) })
    }

    /// Sends `body` encoded as JSON with `token`.
    static func send(
        _ client: some TestClientProtocol, _ method: HTTPRequest.Method, _ uri: String, token: String?,
        json body: some Encodable, headers: HTTPFields = [:]
    ) async throws -> TestResponse {
        let data = try ContractCoding.encoder().encode(body)
        return try await send(client, method, uri, token: token, bytes: Array(data), headers: headers)
    }

    /// The answer decoded as `T`.
    static func decode<T: Decodable>(_: T.Type, _ response: TestResponse) throws -> T {
        try ContractCoding.decoder().decode(T.self, from: Data(buffer: response.body))
    }

    /// The problem document of an error answer.
    static func problem(_ response: TestResponse) throws -> CLMClient.Problem {
        guard response.headers[.contentType] == "application/problem+json" else {
            throw TestSetupError("not a problem document (\(response.status)): \(String(buffer: response.body))")
        }
        return try JSONDecoder().decode(CLMClient.Problem.self, from: Data(buffer: response.body))
    }
}
