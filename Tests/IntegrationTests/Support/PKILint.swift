import Foundation
import Testing

/// pkilint, the independent linter (RFC 5280 and the CA/Browser Forum profiles), run on what
/// CLM produces: certificates, CRLs, OCSP responses. A second opinion from code we did not
/// write catches what our own checks (`RFC5280`) share the author's blind spots for.
///
/// `scripts/setup.sh` installs it into `.local/pkilint` (`CLM_PKILINT_BIN` names another `bin/`).
/// Each run writes the document to a temporary file, asks for JSON findings of severity NOTICE
/// and above, and checks that the exit status (pkilint's: the number of findings reported,
/// at most 255) agrees, so a crash or a document it could not load is never read as "clean".
enum PKILint {
    /// One pkilint command and its profile.
    enum Tool: Sendable, CustomStringConvertible {
        /// `lint_pkix_cert`: RFC 5280 only.
        case pkixCertificate
        /// `lint_cabf_serverauth_cert -t <type>`, e.g. `DV-FINAL-CERTIFICATE`.
        case serverAuthCertificate(type: String)
        /// `lint_crl -t CRL -p PKIX|BR`.
        case crl(profile: String)
        /// `lint_ocsp_response`.
        case ocspResponse

        var command: String {
            switch self {
            case .pkixCertificate: "lint_pkix_cert"
            case .serverAuthCertificate: "lint_cabf_serverauth_cert"
            case .crl: "lint_crl"
            case .ocspResponse: "lint_ocsp_response"
            }
        }

        var options: [String] {
            switch self {
            case .pkixCertificate, .ocspResponse: []
            case .serverAuthCertificate(let type): ["-t", type]
            case .crl(let profile): ["-t", "CRL", "-p", profile]
            }
        }

        var description: String { ([command] + options).joined(separator: " ") }
    }

    /// pkilint's severities, most severe first.
    enum Severity: String, Sendable, Decodable, CaseIterable {
        case fatal = "FATAL"
        case error = "ERROR"
        case warning = "WARNING"
        case notice = "NOTICE"
        case info = "INFO"
        case debug = "DEBUG"

        /// FATAL and ERROR: what the profile forbids. WARNING and NOTICE are what it discourages
        /// or wants looked at; they are printed, and each suite decides which it accepts.
        var fails: Bool { self == .fatal || self == .error }
    }

    struct Finding: Sendable, Equatable, CustomStringConvertible {
        var severity: Severity
        var code: String
        var message: String?
        /// Where in the document (`certificate.tbsCertificate.extensions`).
        var path: String
        var description: String {
            "\(severity.rawValue) \(code)" + (message.map { " (\($0))" } ?? "") + " @ \(path)"
        }
    }

    /// pkilint's JSON report: results, each with the findings of one validator at one node.
    private struct Report: Decodable {
        struct Result: Decodable {
            struct Description: Decodable {
                var severity: Severity
                var code: String
                var message: String?
            }
            var node_path: String
            var finding_descriptions: [Description]
        }
        var results: [Result]
    }

    /// The `bin/` directory holding pkilint's commands.
    static var binDirectory: URL {
        if let path = ProcessInfo.processInfo.environment["CLM_PKILINT_BIN"] { return URL(fileURLWithPath: path) }
        // This file is Tests/IntegrationTests/Support/PKILint.swift; the repository is three levels up.
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent()
        return root.appendingPathComponent(".local/pkilint/bin")
    }

    /// pkilint's own version, for the log.
    static func version() throws -> String {
        let python = binDirectory.appendingPathComponent("python").path
        let code = "import importlib.metadata as m; print(m.version('pkilint'))"
        return try run(python, ["-c", code], timeout: .seconds(60)).stdout.trimmingCharacters(
            in: .whitespacesAndNewlines)
    }

    /// Every finding of NOTICE and above that `tool` reports on `document` (DER or PEM bytes).
    static func findings(_ document: [UInt8], _ tool: Tool) throws -> [Finding] {
        let executable = binDirectory.appendingPathComponent(tool.command)
        guard FileManager.default.isExecutableFile(atPath: executable.path) else {
            throw TestSetupError("pkilint is not installed at \(executable.path): run scripts/setup.sh (make setup)")
        }
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("clm-pkilint-\(UUID().uuidString)")
        try Data(document).write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        let arguments =
            ["lint"] + tool.options + ["-s", "NOTICE", "-f", "JSON", "--document-format", "DETECT", file.path]
        let result = try run(executable.path, arguments, timeout: .seconds(120))
        guard let report = try? JSONDecoder().decode(Report.self, from: Data(result.stdout.utf8)) else {
            throw TestSetupError("\(tool) gave no JSON report (exit \(result.status)): \(result.stderr.prefix(2000))")
        }
        let findings = report.results.flatMap { result in
            result.finding_descriptions.map {
                Finding(severity: $0.severity, code: $0.code, message: $0.message, path: result.node_path)
            }
        }
        guard result.status == Int32(min(findings.count, 255)) else {
            throw TestSetupError("\(tool) exited \(result.status) with \(findings.count) findings: \(result.stderr)")
        }
        return findings
    }

    /// Lints `document`, prints every finding, and records an issue for each FATAL or ERROR one
    /// and for each WARNING or NOTICE whose code is not in `accepting`. Returns all findings.
    @discardableResult
    static func check(
        _ document: [UInt8], _ tool: Tool, label: String, accepting accepted: Set<String> = [],
        sourceLocation: SourceLocation = #_sourceLocation
    ) throws -> [Finding] {
        let findings = try findings(document, tool)
        print("pkilint \(tool) on \(label): " + (findings.isEmpty ? "no findings" : "\(findings.count) findings"))
        for finding in findings {
            print("    \(finding)")
            if finding.severity.fails || !accepted.contains(finding.code) {
                Issue.record("\(label): \(tool): \(finding)", sourceLocation: sourceLocation)
            }
        }
        return findings
    }
}
