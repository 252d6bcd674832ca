import ArgumentParser
import CLMClient
import CLMContracts
import Foundation

struct CertCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cert", abstract: "Search, show, export, revoke and renew issued certificates.",
        subcommands: [List.self, Show.self, Export.self, Revoke.self, Renew.self])

    /// The inventory filters, as query parameters.
    struct Filters: ParsableArguments {
        @Option(help: "valid, revoked or expired.") var state: String?
        @Option(help: "Valid certificates expiring within this many days.") var expiringWithinDays: Int?
        @Option(help: "Subject or subject alternative name contains this (any case).") var contains: String?
        @Option(help: "Issued under this policy.") var policy: String?
        @Option(help: "Issued for this end entity.") var entity: String?
        @Option(help: "Requested by this subject.") var requester: String?
        @Option(help: "Order: -issuedAt (default), issuedAt, notAfter, -notAfter.") var sort: String?

        var query: [URLQueryItem] {
            [
                ("state", state), ("expiringWithinDays", expiringWithinDays.map(String.init)), ("q", contains),
                ("policy", policy), ("entity", entity), ("requester", requester), ("sort", sort),
            ].compactMap { name, value in value.map { URLQueryItem(name: name, value: $0) } }
        }
    }

    static func path(_ base: String, _ items: [URLQueryItem]) -> String {
        var components = URLComponents()
        components.path = base
        components.queryItems = items.isEmpty ? nil : items
        // `+` is a space to many servers; encode it like the other reserved characters.
        return (components.string ?? base).replacingOccurrences(of: "+", with: "%2B")
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List a realm's certificates (one page).")
        @OptionGroup var options: GlobalOptions
        @Option(help: "Realm id.") var realm: String
        @OptionGroup var filters: Filters
        @Option(help: "At most this many (1...1000).") var limit: Int = 100
        @Option(help: "Continue after a previous page (its nextCursor).") var cursor: String?

        func run() async throws {
            var items = filters.query + [URLQueryItem(name: "limit", value: String(limit))]
            if let cursor { items.append(URLQueryItem(name: "cursor", value: cursor)) }
            let answer = try await call(
                try options.client(), "GET", CertCommand.path("/v1/realms/\(realm)/certificates", items))
            guard answer.status == 200 else { throw fail(answer) }
            try emit(answer, options) {
                let page = try answer.decode(CertificatePage.self)
                let lines = page.certificates.map {
                    "\($0.serialNumber)\t\($0.state.rawValue)\t\(ContractCoding.formatTimestamp($0.notAfter))\t\($0.subject)"
                }
                return (lines + (page.nextCursor.map { ["next page: --cursor \($0)"] } ?? [])).joined(separator: "\n")
            }
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show a certificate with its request and history.")
        @OptionGroup var options: GlobalOptions
        @Option(help: "Realm id.") var realm: String
        @Argument(help: "Serial number (hex).") var serial: String

        func run() async throws {
            let answer = try await call(try options.client(), "GET", "/v1/realms/\(realm)/certificates/\(serial)")
            guard answer.status == 200 else { throw fail(answer) }
            try emit(answer, options) {
                let detail = try answer.decode(CertificateDetail.self)
                let view = detail.certificate
                var lines = [
                    "serial:   \(view.serialNumber) (CA \(view.ca))", "state:    \(view.state.rawValue)",
                    "subject:  \(view.subject)", "names:    \(view.alternativeNames.joined(separator: ", "))",
                    "valid:    \(ContractCoding.formatTimestamp(view.notBefore)) – "
                        + ContractCoding.formatTimestamp(view.notAfter),
                    "request:  \(view.request.lowercasedString) by \(view.requester ?? "?")",
                    "policy:   \(view.policy ?? "?") v\(view.policyVersion ?? 0)",
                ]
                lines += detail.history.map {
                    "  \(ContractCoding.formatTimestamp($0.at))  \($0.event)  \($0.by)"
                        + ($0.detail.map { "  \($0)" } ?? "")
                }
                return lines.joined(separator: "\n")
            }
        }
    }

    struct Export: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Export every matching certificate as CSV or JSON.")
        @OptionGroup var options: GlobalOptions
        @Option(help: "Realm id.") var realm: String
        @OptionGroup var filters: Filters
        @Option(help: "csv or json.") var format: String = "csv"
        @Option(name: .shortAndLong, help: "Write to this file instead of standard output.") var out: String?

        func run() async throws {
            let items = filters.query + [URLQueryItem(name: "format", value: format)]
            let answer = try await call(
                try options.client(), "GET", CertCommand.path("/v1/realms/\(realm)/certificates/export", items))
            guard answer.status == 200 else { throw fail(answer) }
            try writeOutput(answer.text, to: out)
        }
    }

    struct Revoke: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Revoke a certificate (final). A second revoke answers with the first.")
        @OptionGroup var options: GlobalOptions
        @Option(help: "Realm id.") var realm: String
        @Argument(help: "Serial number (hex); or give --request.") var serial: String?
        @Option(help: "Revoke the certificate of this request instead.") var request: String?
        @Option(
            help:
                "unspecified, keyCompromise, affiliationChanged, superseded, cessationOfOperation, privilegeWithdrawn.")
        var reason: String
        @Option(help: "Why, in words (kept in the audit trail).") var comment: String?

        func validate() throws {
            if (serial == nil) == (request == nil) {
                throw ValidationError("give a serial number or --request, not both")
            }
            if RevocationReasonName(rawValue: reason) == nil { throw ValidationError("unknown --reason \(reason)") }
        }

        func run() async throws {
            let path =
                request.map { "/v1/realms/\(realm)/requests/\($0)/revoke" }
                ?? "/v1/realms/\(realm)/certificates/\(serial ?? "")/revoke"
            let body = RevokeBody(reason: RevocationReasonName(rawValue: reason) ?? .unspecified, comment: comment)
            let answer = try await call(try options.client(), "POST", path, json: body)
            guard answer.status == 201 || answer.status == 200 else { throw fail(answer) }
            try emit(answer, options) {
                let view = try answer.decode(RevocationView.self)
                return "\(view.serialNumber)\trevoked \(view.reason.rawValue) at "
                    + "\(ContractCoding.formatTimestamp(view.revokedAt)) by \(view.revokedBy)"
                    + (answer.status == 200 ? " (revoked before)" : "")
            }
        }
    }

    struct Renew: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Renew a certificate: a new request for the same end entities under the policy's latest version.")
        @OptionGroup var options: GlobalOptions
        @Option(help: "Realm id.") var realm: String
        @Argument(help: "Serial number (hex) of the certificate to renew.") var serial: String
        @Option(help: "PKCS#10 CSR file with the new key, PEM or DER.") var csr: String?
        @Option(help: "Generate a new key pair on the server: rsa:2048|3072|4096, ec:p256|p384|p521, ed25519, ed448.")
        var generate: String?
        @Option(help: "With --generate: file whose first line is the download password (12+ characters).")
        var keyPasswordFile: String?
        @Option(help: "Suggested validity in days.") var validityDays: Int?
        @Flag(help: "Revoke the old certificate (superseded) once the new one is issued.") var revokeOld = false

        func validate() throws {
            if (csr == nil) == (generate == nil) { throw ValidationError("give either --csr FILE or --generate SPEC") }
            if (generate == nil) != (keyPasswordFile == nil) {
                throw ValidationError("--generate needs --key-password-file, and only it")
            }
        }

        func run() async throws {
            let csrText = try csr.map { path in
                let raw = try readFile(path)
                return String(data: raw, encoding: .utf8).flatMap { $0.contains("-----BEGIN") ? $0 : nil }
                    ?? raw.base64EncodedString()
            }
            let body = RenewBody(
                csr: csrText, keyGeneration: generate, keyPassword: try keyPasswordFile.map(firstLine(of:)),
                validityDays: validityDays, revokeOnIssue: revokeOld)
            let answer = try await call(
                try options.client(), "POST", "/v1/realms/\(realm)/certificates/\(serial)/renew", json: body)
            guard answer.status == 202 || answer.status == 200 else { throw fail(answer) }
            try emit(answer, options) { describe(try answer.decode(RequestView.self)) }
        }
    }
}
