import CLMServiceKit
import Foundation

/// Settings only the approval service reads.
struct ApprovalSettings: Sendable {
    /// `CLM_PUBLIC_URL`, default `http://127.0.0.1:8080`: the base of links in mails (the edge).
    var publicURL: String
    /// `CLM_SMTP_HOST` (127.0.0.1), `CLM_SMTP_PORT` (2525), `CLM_SMTP_SENDER` (clm@localhost),
    /// `CLM_SMTP_HELO` (localhost), `CLM_SMTP_USERNAME`/`CLM_SMTP_PASSWORD` (unset),
    /// `CLM_SMTP_TIMEOUT_SECONDS` (10).
    var smtp: SMTPConfiguration
    /// `CLM_MAIL_MAX_ATTEMPTS`, default 8: sends of one verification mail before the request fails.
    var mailAttempts: Int
    /// `CLM_APPROVAL_SWEEP_SECONDS`, default 2: how often expired waits are looked for.
    var sweepInterval: Duration
    /// `CLM_VERIFY_RATE_PER_SECOND`, default 20: verification-link calls per second per process.
    var verifyRatePerSecond: Int

    /// The longest one mailer round (claim, SMTP conversation, record) may take.
    var mailRoundTimeout: Duration { smtp.timeout + .seconds(30) }
    /// How long a claimed mail is kept from other mailers: past any round's deadline, so a
    /// slow mailer that is still alive is never overtaken.
    var mailLease: Duration { mailRoundTimeout + .seconds(30) }

    static func fromEnvironment(_ environment: [String: String]) throws -> ApprovalSettings {
        var env = EnvironmentReader(environment)
        let publicURL = env.string("CLM_PUBLIC_URL", default: "http://127.0.0.1:8080")
        if URL(string: publicURL)?.scheme.map({ ["http", "https"].contains($0) }) != true {
            env.problem("CLM_PUBLIC_URL must be an http(s) URL, got \(EnvironmentReader.quoted(publicURL))")
        }
        let smtp = SMTPConfiguration(
            host: env.string("CLM_SMTP_HOST", default: "127.0.0.1"),
            port: env.int("CLM_SMTP_PORT", default: 2525, range: 1...65535),
            sender: env.string("CLM_SMTP_SENDER", default: "clm@localhost"),
            helo: env.string("CLM_SMTP_HELO", default: "localhost"),
            username: env.optional("CLM_SMTP_USERNAME"),
            password: env.optional("CLM_SMTP_PASSWORD"),
            timeout: .seconds(env.int("CLM_SMTP_TIMEOUT_SECONDS", default: 10, range: 1...300)))
        let attempts = env.int("CLM_MAIL_MAX_ATTEMPTS", default: 8, range: 1...50)
        let sweep = env.int("CLM_APPROVAL_SWEEP_SECONDS", default: 2, range: 1...3600)
        let verifyRate = env.int("CLM_VERIFY_RATE_PER_SECOND", default: 20, range: 1...10_000)
        try env.validate()
        return ApprovalSettings(
            publicURL: publicURL.hasSuffix("/") ? String(publicURL.dropLast()) : publicURL, smtp: smtp,
            mailAttempts: attempts, sweepInterval: .seconds(sweep), verifyRatePerSecond: verifyRate)
    }
}
