import CLMClient
import Foundation
import Testing

/// The web console in a real browser: headless chromium (selenium) drives the pages of
/// `clm-console` through the nginx edge, signed in with a real OpenID Connect code flow
/// against oidc-provider-mock, over the five real services.
///
/// What runs, all on loopback ports of their own:
/// - oidc-provider-mock (`.local/browser`, scripts/setup.sh): the identity provider. The
///   services trust its JWKS (`CLM_AUTH_*`), the console signs in with it and forwards its ID
///   token (RS256, `aud` = the console's client id) as the bearer;
/// - a mail catcher: every mail the approval service sends lands as `<n>.eml` in the mail
///   directory, whose links point at the edge (`CLM_PUBLIC_URL`);
/// - the five services (`TestStack`), clm-console, and nginx from `deploy/nginx/clm.conf.template`;
/// - `Tests/Browser/run.py` with the browser venv's python: `fixtures.py` creates realms,
///   policies, end entities and a request in a foreign realm through the edge and writes the
///   fixtures file; then every `Tests/Browser/test_*.py` runs (unittest).
///
/// Kept after the run, in `.run/browser/` (git-ignored): `screenshots/`, `mail/`,
/// `fixtures.json`, `run.log`, `summary.json`.
/// `CLM_BROWSER_TIMEOUT_SECONDS` (default 900) limits the python run; `CLM_BROWSER_TESTS`
/// (e.g. `test_requester` or `test_admin.AdminTests.test_members`) runs only those;
/// `CLM_BROWSER_ASSETS_DIR` serves the pages from a directory instead of the built-in copy
/// (e.g. `Services/Console/Assets`, to try page edits without a rebuild).
@Suite("Console in the browser", .serialized, .timeLimit(.minutes(25)))
struct ConsoleBrowserTests {
    static let clientID = "clm-console"
    /// Any secret passes the mock, but it wants one (see below).
    static let clientSecret = "browser-tests"

    @Test("the console's pages in headless chromium (Tests/Browser/test_*.py) against the real stack")
    func browserTests() async throws {
        let environment = try TestEnvironment.require()
        let root = environment.repoRoot
        let files = FileManager.default
        let venv = root.appendingPathComponent(".local/browser")
        let keep = root.appendingPathComponent(".run/browser")
        let screenshots = keep.appendingPathComponent("screenshots")
        let mailDirectory = keep.appendingPathComponent("mail")
        try files.createDirectory(at: screenshots, withIntermediateDirectories: true)
        // Screenshots of this run only.
        for name in (try? files.contentsOfDirectory(atPath: screenshots.path)) ?? [] where name.hasSuffix(".png") {
            try? files.removeItem(at: screenshots.appendingPathComponent(name))
        }
        for name in ["fixtures.json", "summary.json", "run.log"] {
            try? files.removeItem(at: keep.appendingPathComponent(name))
        }
        let work = try temporaryDirectory()
        try Self.checkTools(environment: environment, venv: venv)

        let mock = try await OIDCProviderMock.start(venv: venv, logDirectory: work)
        defer { mock.stop() }
        let mail = try await MailCatcher.start(directory: mailDirectory, workDirectory: work)
        defer { mail.stop() }
        let edge = try EdgeProxy(directory: work.appendingPathComponent("edge"))

        try await TestStack.with(environment) { stack in
            // The services find the mock's key set by OpenID Connect discovery from its issuer
            // URL alone (no CLM_AUTH_JWKS_URL), as a platform team would configure them.
            let trustMock = ["CLM_AUTH_ISSUER_URL": mock.issuer, "CLM_AUTH_AUDIENCE": Self.clientID]
            for name in TestStack.names {
                stack[name].setEnvironment("CLM_AUTH_JWKS_URL", nil)
                for (key, value) in trustMock { stack[name].setEnvironment(key, value) }
            }
            for (key, value) in mail.environment { stack["approval"].setEnvironment(key, value) }
            stack["approval"].setEnvironment("CLM_PUBLIC_URL", edge.baseURL.absoluteString)
            stack["approval"].setEnvironment("CLM_APPROVAL_SWEEP_SECONDS", "1")
            stack["ca-gateway"].setEnvironment("CLM_PUBLIC_URL", edge.baseURL.absoluteString)

            var consoleEnvironment = trustMock
            consoleEnvironment["CLM_CONSOLE_API_URL"] = edge.baseURL.absoluteString
            consoleEnvironment["CLM_CONSOLE_PUBLIC_URL"] = edge.baseURL.absoluteString
            consoleEnvironment["CLM_CONSOLE_OIDC_ISSUER"] = mock.issuer
            consoleEnvironment["CLM_CONSOLE_OIDC_CLIENT_ID"] = Self.clientID
            // The mock's token endpoint authenticates every client (client_secret_basic or
            // _post, any secret): a public client with PKCE alone gets 401 invalid_client.
            consoleEnvironment["CLM_CONSOLE_OIDC_CLIENT_SECRET"] = Self.clientSecret
            consoleEnvironment["CLM_CONSOLE_OIDC_BEARER"] = "id_token"
            consoleEnvironment["CLM_CONSOLE_DEV_SIGN_IN"] = "false"
            if let assets = environment.values["CLM_BROWSER_ASSETS_DIR"], !assets.isEmpty {
                consoleEnvironment["CLM_CONSOLE_ASSETS_DIR"] = URL(fileURLWithPath: assets, relativeTo: root).path
            }
            let console = try ServiceProcess(
                name: "console", environment: environment, database: stack.database, topicPrefix: stack.topicPrefix,
                extra: consoleEnvironment)

            try await stack.start()
            do {
                try await console.start()
                try await edge.start(
                    template: root.appendingPathComponent("deploy/nginx/clm.conf.template"),
                    upstreams: EdgeProxy.upstreams(stack, consolePort: console.port))
                try await Self.checkEdge(edge)

                let run = BrowserRun(
                    python: venv.appendingPathComponent("bin/python"),
                    script: root.appendingPathComponent("Tests/Browser/run.py"),
                    environment: Self.pythonEnvironment(
                        environment: environment, edge: edge, mock: mock, screenshots: screenshots,
                        mailDirectory: mailDirectory, keep: keep),
                    logFile: keep.appendingPathComponent("run.log"),
                    timeout: .seconds(Int(environment.values["CLM_BROWSER_TIMEOUT_SECONDS"] ?? "") ?? 900))
                let result = try await run.run()
                let summary = Self.summary(keep: keep, screenshots: screenshots, mail: mail)
                print("browser tests: \(summary)")
                if result.status != 0 {
                    let how = result.status.map { "exited with \($0)" } ?? "timed out and was stopped"
                    let logs = [
                        "clm-console:\n\(console.tail(25))",
                        "edge errors:\n\(edge.tail(edge.errorLog, 15))",
                        "oidc-provider-mock:\n\(mock.tail(15))",
                    ]
                    Issue.record(
                        """
                        the browser tests failed: Tests/Browser/run.py \(how); \(summary)
                        logs: the console \(console.logFile.path), the edge, the mock and the mail catcher in \(work.path)
                        last lines of its output (all of it: .run/browser/run.log):
                        \(result.output.split(separator: "\n", omittingEmptySubsequences: false).suffix(80).joined(separator: "\n"))
                        \(logs.joined(separator: "\n"))
                        """)
                }
                await edge.stop()
                await console.stop()
                if result.status == 0 { try? files.removeItem(at: work) }
            } catch {
                await edge.stop()
                await console.stop()
                throw error
            }
        }
    }

    /// Fails early, naming what to install, when a tool the run needs is missing.
    static func checkTools(environment: TestEnvironment, venv: URL) throws {
        let console = environment.binDirectory.appendingPathComponent("clm-console")
        guard FileManager.default.isExecutableFile(atPath: console.path) else {
            throw TestSetupError("\(console.path) is missing: build it (make test builds every product)")
        }
        for tool in ["/usr/bin/chromium", "/usr/bin/chromedriver"]
        where !FileManager.default.isExecutableFile(atPath: tool) {
            throw TestSetupError("\(tool) is missing: run scripts/setup.sh (Debian packages chromium, chromium-driver)")
        }
        let check = try run(
            venv.appendingPathComponent("bin/python").path, ["-c", "import selenium, oidc_provider_mock"],
            environment: ["PYTHONWARNINGS": "ignore", "PATH": "/usr/bin:/bin"])
        guard check.status == 0 else {
            throw TestSetupError("the browser venv \(venv.path) is incomplete (run scripts/setup.sh): \(check.stderr)")
        }
    }

    /// The edge serves the console's page and routes the API (which wants a token).
    static func checkEdge(_ edge: EdgeProxy) async throws {
        let client = CLMClient(baseURL: edge.baseURL, timeout: 10)
        let page = try await client.send("GET", "/console/")
        guard page.status == 200 else {
            throw TestSetupError(
                "GET /console/ through the edge answered \(page.status): \(page.text.prefix(300)); edge errors: \(edge.tail(edge.errorLog))"
            )
        }
        let api = try await client.send("GET", "/v1/realms")
        guard api.status == 401 else {
            throw TestSetupError("GET /v1/realms without a token through the edge answered \(api.status), not 401")
        }
    }

    static func pythonEnvironment(
        environment: TestEnvironment, edge: EdgeProxy, mock: OIDCProviderMock, screenshots: URL, mailDirectory: URL,
        keep: URL
    ) -> [String: String] {
        var env: [String: String] = [
            "PATH": environment.values["PATH"] ?? "/usr/bin:/bin",
            "HOME": environment.values["HOME"] ?? "/tmp",
            "LANG": "C.UTF-8",
            "PYTHONDONTWRITEBYTECODE": "1",
            "PYTHONUNBUFFERED": "1",
            // The contract of the python tests (/console/ through the edge, OIDC sign-in).
            "CLM_CONSOLE_URL": edge.baseURL.appendingPathComponent("console").absoluteString + "/",
            "CLM_BROWSER_SIGN_IN": "oidc",
            "CLM_OIDC_MOCK_URL": mock.baseURL.absoluteString,
            "CLM_BROWSER_SCREENSHOTS": screenshots.path,
            "CLM_BROWSER_FIXTURES": keep.appendingPathComponent("fixtures.json").path,
            // For fixtures.py and run.py.
            "CLM_API_URL": edge.baseURL.absoluteString,
            "CLM_BROWSER_MAIL": mailDirectory.path,
            "CLM_BROWSER_SUMMARY": keep.appendingPathComponent("summary.json").path,
        ]
        // Selenium must use Debian's driver, never download one.
        env["SE_OFFLINE"] = "true"
        for key in ["TMPDIR", "CLM_BROWSER_TESTS", "CLM_BROWSER_TIMEOUT", "CLM_CHROMIUM", "CLM_CHROMEDRIVER"] {
            if let value = environment.values[key] { env[key] = value }
        }
        return env
    }

    /// One line: what run.py counted (summary.json), screenshots and mails.
    static func summary(keep: URL, screenshots: URL, mail: MailCatcher) -> String {
        let pngs = ((try? FileManager.default.contentsOfDirectory(atPath: screenshots.path)) ?? []).filter {
            $0.hasSuffix(".png")
        }
        var parts: [String] = []
        // Untyped on purpose: run.py's own summary, not a CLM API body.
        if let data = FileManager.default.contents(atPath: keep.appendingPathComponent("summary.json").path),
            let counts = try? JSONSerialization.jsonObject(with: data) as? [String: Any]
        {
            for key in ["testsRun", "failures", "errors", "skipped"] {
                if let value = counts[key] { parts.append("\(key) \(value)") }
            }
        } else {
            parts.append("no summary from run.py")
        }
        parts.append("screenshots \(pngs.count) in \(screenshots.path)")
        parts.append("mails \(mail.count)")
        return parts.joined(separator: ", ")
    }
}
