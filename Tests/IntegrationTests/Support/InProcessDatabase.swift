import CLMContracts
import CLMServiceKit
import CLMStorage
import Foundation
import Logging
import PostgresNIO
import Testing

/// A fresh database with one service's schema migrated, reached in-process as that service's
/// role: for use cases and stores tested without starting any service.
struct InProcessDatabase: DatabaseAccess {
    let database: TestDatabase
    let client: PostgresClient
    let outbox: Outbox
    let logger: Logger
    private let runner: Task<Void, Never>

    static func start(_ definition: ServiceDefinition, migrate: Bool = true) async throws -> InProcessDatabase {
        let environment = try TestEnvironment.require()
        let database = try TestDatabase.create(environment)
        let logger = Logger(label: "test.\(definition.name)")
        let role = "clm_\(definition.schema)"
        let client = PostgresClient(
            configuration: .init(
                host: environment.pgHost, port: environment.pgPort, username: role,
                password: environment.password(ofService: definition.name), database: database.name, tls: .disable),
            backgroundLogger: logger)
        let runner = Task { await client.run() }
        if migrate {
            try await Migrator.migrate(
                client: client, schema: definition.schema, migrations: definition.allMigrations, logger: logger)
        }
        return InProcessDatabase(
            database: database, client: client,
            outbox: Outbox(schema: definition.schema, topicPrefix: "test", source: "/clm/\(definition.name)"),
            logger: logger, runner: runner)
    }

    func stop() {
        runner.cancel()
        database.drop()
    }

    func read<T: Sendable>(_ body: (PostgresConnection) async throws -> T) async throws -> T {
        try await client.withConnection { try await body($0) }
    }

    func write<T: Sendable>(_ body: (EventTransaction) async throws -> T) async throws -> T {
        try await client.transaction(logger: logger) { connection in
            try await body(EventTransaction(connection: connection, outbox: outbox, logger: logger))
        }
    }
}
