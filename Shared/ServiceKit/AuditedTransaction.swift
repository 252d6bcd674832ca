import CLMContracts
import CLMStorage
import Foundation
import Logging
import PostgresNIO

/// What a use case may cause besides changing its own service's tables: events, queued in
/// the outbox, and records in the realm's audit chain. Every service's transaction protocol
/// refines this one, so the use cases publish and audit the same way everywhere, and their
/// fakes record both the same way.
public protocol TransactionEffects: Sendable {
    var logger: Logger { get }
    /// Queues `payload` as an event about the request (or command) `id`.
    func publish<P: EventPayload>(_ payload: P, about id: UUID, realm: String) async throws
    /// Appends a record to `realm`'s audit chain.
    func audit(realm: String, actor: String, action: String, target: String, details: String) async throws
}

/// One PostgreSQL transaction of a service with its outbox and its audit log: what it changes,
/// publishes and audits commits together or not at all.
public struct AuditedTransaction: TransactionEffects {
    public let events: EventTransaction
    public let auditLog: AuditLog

    public init(_ events: EventTransaction, auditLog: AuditLog) {
        self.events = events
        self.auditLog = auditLog
    }

    public var connection: PostgresConnection { events.connection }
    public var logger: Logger { events.logger }

    public func publish<P: EventPayload>(_ payload: P, about id: UUID, realm: String) async throws {
        try await events.publish(payload, about: id, realm: realm)
    }

    public func audit(realm: String, actor: String, action: String, target: String, details: String) async throws {
        try await auditLog.append(
            realm: realm, actor: actor, action: action, target: target, details: details, in: events)
    }
}

/// A store's transaction type that adds its own tables' SQL to an `AuditedTransaction` and
/// takes its effects from it.
public protocol AuditedTransactionStore: TransactionEffects {
    var base: AuditedTransaction { get }
}

extension AuditedTransactionStore {
    public var connection: PostgresConnection { base.connection }
    public var logger: Logger { base.logger }

    public func publish<P: EventPayload>(_ payload: P, about id: UUID, realm: String) async throws {
        try await base.publish(payload, about: id, realm: realm)
    }

    public func audit(realm: String, actor: String, action: String, target: String, details: String) async throws {
        try await base.audit(realm: realm, actor: actor, action: action, target: target, details: details)
    }
}

extension ServiceContext {
    /// Runs `body` in one transaction of the service's database, with its outbox and audit log.
    public func auditedTransaction<T: Sendable>(
        logger: Logger, _ body: (AuditedTransaction) async throws -> T
    ) async throws -> T {
        try await transaction(logger: logger) { try await body(AuditedTransaction($0, auditLog: audit)) }
    }
}
