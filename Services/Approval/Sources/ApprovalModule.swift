import CLMContracts
import CLMServiceKit
import CLMStorage
import Foundation
import Hummingbird
import ServiceLifecycle

/// Runs each request's approval workflow as the policy version it was submitted under says:
/// automatic, e-mail verification (a single-use link mailed over SMTP) or manual approval by
/// N distinct approvers other than the requester. Unanswered requests expire.
///
/// Wiring only: the flows are in `UseCases/`, their SQL in `Store/`, the adapters in `HTTP/`,
/// `Kafka/` and `Jobs/`.
public struct ApprovalModule: ServiceModule {
    /// Submitted requests start a workflow; expiry warnings on the lifecycle topic are mailed;
    /// the registry topic feeds the realm memberships the routes authorise against.
    public static let definition = ServiceDefinition(
        name: "approval", schema: "approval", defaultPort: 8083, migrations: ApprovalMigrations.all,
        consumes: [.requestEvents, .registry, .lifecycle])

    let context: ServiceContext
    let settings: ApprovalSettings
    let storage: PostgresApprovalStorage
    let mailDue = WakeSignal()
    let noticeDue = WakeSignal()
    let handler: ApprovalEventHandler

    init(context: ServiceContext, settings: ApprovalSettings) {
        self.context = context
        self.settings = settings
        self.storage = PostgresApprovalStorage(context: context)
        let wake = mailDue
        let noticeWake = noticeDue
        self.handler = ApprovalEventHandler(
            start: StartWorkflow(), audit: context.audit, readModel: context.members.routes,
            mailDue: { wake.signal() }, noticeDue: { noticeWake.signal() })
    }

    public static func make(context: ServiceContext) async throws -> ApprovalModule {
        let settings = try ApprovalSettings.fromEnvironment(context.configuration.environment)
        return ApprovalModule(context: context, settings: settings)
    }

    public var eventHandler: (any EventHandler)? { handler }

    public var services: [any Service] {
        let mailer = SMTPMailer(configuration: settings.smtp)
        let sendMail = SendVerificationMail(
            storage: storage, mailer: mailer, publicURL: settings.publicURL,
            maxAttempts: settings.mailAttempts, lease: settings.mailLease)
        let sendNotice = SendNoticeMail(
            storage: storage, mailer: mailer, maxAttempts: settings.mailAttempts, lease: settings.mailLease)
        let expire = ExpireWaits(storage: storage)
        return [
            QueuedMailer(
                name: "verification mailer", sendNext: { try await sendMail.sendNext(logger: $0) != nil },
                mailDue: mailDue, roundTimeout: settings.mailRoundTimeout, logger: context.logger),
            QueuedMailer(
                name: "expiry notice mailer", sendNext: { try await sendNotice.sendNext(logger: $0) != nil },
                mailDue: noticeDue, roundTimeout: settings.mailRoundTimeout, logger: context.logger),
            PeriodicTask(name: "approval expiry sweep", interval: settings.sweepInterval, logger: context.logger) {
                [context] in _ = try await expire.run(logger: context.logger)
            },
        ]
    }

    public func addRoutes(to router: Router<ServiceRequestContext>) {
        ApprovalRoutes(view: ViewApprovals(storage: storage), castVote: CastVote(storage: storage)).add(to: router)
        let verification = VerificationRoutes(
            confirmAddress: ConfirmAddress(storage: storage), ratePerSecond: settings.verifyRatePerSecond)
        verification.add(to: router)
    }
}
