import CLMContracts
import CLMServiceKit
import CLMStorage
import Foundation
import Hummingbird
import ServiceLifecycle

/// Builds and signs certificates for approved requests, keeps the per-realm inventory and
/// publishes the CA chain.
public struct CAGatewayModule: ServiceModule {
    /// Request events start issuance, revoke commands arrive on the command topic; the registry
    /// topic feeds the realm memberships that authorise the API.
    public static let definition = ServiceDefinition(
        name: "ca-gateway", schema: "ca_gateway", defaultPort: 8085, migrations: CAGatewayMigrations.all,
        consumes: [.requestEvents, .registry, .requestCommands], needsKeyEncryptionKey: true)

    let context: ServiceContext
    let store: PostgresCAGatewayStore
    let authorities: AuthorityDirectory
    let handler: CAGatewayEventHandler
    let retryDue: RetryDueIssuance
    let revoke: RevokeCertificate
    let refreshLists: RefreshRevocationLists
    let ocsp: AnswerOCSP
    let announceExpiries: AnnounceExpiries
    let expirySweep: Duration

    public static func make(context: ServiceContext) async throws -> CAGatewayModule {
        let settings = try CAGatewaySettings.fromEnvironment(context.configuration.environment)
        let keys = try context.keyRing()
        let store = PostgresCAGatewayStore(context: context)
        var authorities: [CertificateAuthority] = []
        for (name, spec) in settings.authorities {
            let authority = try await store.loadOrCreateAuthority(
                name: name, issuingSpec: spec, keys: keys, links: settings.links(ca: name), logger: context.logger)
            context.logger.info(
                "CA ready", metadata: ["ca": "\(name)", "issuing.subject": "\(authority.issuing.subject)"])
            authorities.append(authority)
        }
        let directory = AuthorityDirectory(authorities)
        if let host = URL(string: settings.publicURL)?.host, ["127.0.0.1", "localhost", "::1"].contains(host) {
            context.logger.notice(
                "CLM_PUBLIC_URL is a loopback address: the CRL and OCSP URLs in certificates reach only this machine",
                metadata: ["url": "\(settings.publicURL)"])
        }
        let signer = RevocationListSigner(schedule: settings.revocationLists)
        let revoke = RevokeCertificate(authorities: directory, signer: signer)
        let issuer = IssueCertificate(authorities: directory, retry: settings.retry, supersede: revoke)
        let refreshLists = RefreshRevocationLists(authorities: directory, signer: signer, store: store)
        // Every CA has a CRL before the first relying party can ask for it.
        try await refreshLists(logger: context.logger)
        let handler = CAGatewayEventHandler(
            record: RecordOrder(), onApproval: IssueOnApproval(issuer: issuer),
            onKey: IssueOnGeneratedKey(issuer: issuer),
            revokeCommands: RevokeCommandHandler(
                revoke: revoke,
                caller: CommandCaller(authenticator: context.authenticator, members: context.members),
                audit: context.audit),
            audit: context.audit,
            // The realm memberships, from the registry topic.
            readModels: context.members.routes)
        return CAGatewayModule(
            context: context, store: store, authorities: directory, handler: handler,
            retryDue: RetryDueIssuance(issuer: issuer, store: store), revoke: revoke, refreshLists: refreshLists,
            ocsp: AnswerOCSP(store: store, validity: settings.ocspValidity),
            announceExpiries: AnnounceExpiries(store: store), expirySweep: settings.expirySweep)
    }

    public var eventHandler: (any EventHandler)? { handler }

    public var services: [any Service] {
        [
            PeriodicTask(name: "issuance retry", interval: .milliseconds(500), logger: context.logger) {
                [context, retryDue] in
                guard context.database.isAvailable else { return }
                try await retryDue(logger: context.logger)
            },
            PeriodicTask(name: "CRL refresh", interval: .seconds(5), logger: context.logger) {
                [context, refreshLists] in
                guard context.database.isAvailable else { return }
                try await refreshLists(logger: context.logger)
            },
            PeriodicTask(name: "expiry sweep", interval: expirySweep, logger: context.logger) {
                [context, announceExpiries] in
                guard context.database.isAvailable else { return }
                try await announceExpiries.drain(logger: context.logger)
            },
        ]
    }
}
