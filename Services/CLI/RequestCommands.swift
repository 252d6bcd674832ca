import ArgumentParser
import CLMClient
import CLMContracts
import Foundation

struct RequestCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "request", abstract: "Submit and follow certificate requests.",
        subcommands: [Submit.self, Status.self, Wait.self, List.self, Certificate.self, KeyBundle.self])

    struct Submit: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Submit a certificate request with a PKCS#10 CSR, or have the key pair generated (--generate).")
        @OptionGroup var options: GlobalOptions
        @Option(help: "Realm id.") var realm: String
        @Option(help: "Policy id.") var policy: String
        @Option(name: .customLong("entity"), help: "End entity id (repeat for several).") var entities: [String] = []
        @Option(help: "PKCS#10 CSR file, PEM or DER.") var csr: String?
        @Option(help: "Generate the key pair on the server: rsa:2048|3072|4096, ec:p256|p384|p521, ed25519, ed448.")
        var generate: String?
        @Option(help: "Suggested validity in days (the policy may shorten it).") var validityDays: Int?
        @Option(help: "Pin the policy version you reviewed (default: the latest).") var policyVersion: Int?
        @Option(
            help:
                "With --generate: file whose first line is the password the key bundle download will need (12+ characters)."
        )
        var keyPasswordFile: String?
        @Option(help: "Idempotency key: a retry with the same key returns the original request.")
        var idempotencyKey: String?

        func validate() throws {
            if entities.isEmpty { throw ValidationError("give at least one --entity") }
            if (csr == nil) == (generate == nil) { throw ValidationError("give either --csr FILE or --generate SPEC") }
            if (generate == nil) != (keyPasswordFile == nil) {
                throw ValidationError(
                    "--generate needs --key-password-file (the password the download will need), and only it")
            }
        }

        func run() async throws {
            let csrText = try csr.map { path in
                let raw = try readFile(path)
                return String(data: raw, encoding: .utf8).flatMap { $0.contains("-----BEGIN") ? $0 : nil }
                    ?? raw.base64EncodedString()
            }
            let body = SubmitRequestBody(
                policy: policy, policyVersion: policyVersion, entities: entities, csr: csrText, keyGeneration: generate,
                validityDays: validityDays, keyPassword: try keyPasswordFile.map(firstLine(of:)))
            let answer = try await call(
                try options.client(), "POST", "/v1/realms/\(realm)/requests",
                json: body,
                headers: idempotencyKey.map { ["Idempotency-Key": $0] } ?? [:])
            guard answer.status == 202 || answer.status == 200 else { throw fail(answer) }
            try emit(answer, options) { describe(try answer.decode(RequestView.self)) }
        }
    }

    struct Status: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show a request with its history.")
        @OptionGroup var options: GlobalOptions
        @Option(help: "Realm id.") var realm: String
        @Argument(help: "Request id.") var id: String

        func run() async throws {
            let answer = try await call(try options.client(), "GET", "/v1/realms/\(realm)/requests/\(id)")
            guard answer.status == 200 else { throw fail(answer) }
            try emit(answer, options) { describe(try answer.decode(RequestView.self)) }
        }
    }

    struct Wait: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Wait until a request reaches a state (or any final state).",
            discussion: "Exits 0 when the request reaches --state, 4 when it ends in another final state, 6 on timeout."
        )
        @OptionGroup var options: GlobalOptions
        @Option(help: "Realm id.") var realm: String
        @Argument(help: "Request id.") var id: String
        @Option(help: "State to wait for.") var state: String = "issued"
        @Option(help: "Seconds to wait.") var timeout: Int = 60

        func run() async throws {
            let client = try options.client()
            let deadline = Date().addingTimeInterval(TimeInterval(timeout))
            while true {
                let answer = try await call(client, "GET", "/v1/realms/\(realm)/requests/\(id)")
                guard answer.status == 200 else { throw fail(answer) }
                let request = try answer.decode(RequestView.self)
                if request.state.rawValue == state {
                    try emit(answer, options) { describe(request) }
                    return
                }
                if request.state.isFinal {
                    printError("error: request ended \(request.state.rawValue), not \(state)")
                    printError(describe(request))
                    throw ExitCode(ExitStatus.rejected.rawValue)
                }
                if Date() > deadline {
                    printError("error: request still \(request.state.rawValue) after \(timeout) s")
                    throw ExitCode(ExitStatus.timeout.rawValue)
                }
                try await Task.sleep(for: .milliseconds(200))
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List a realm's requests, newest first.")
        @OptionGroup var options: GlobalOptions
        @Option(help: "Realm id.") var realm: String
        @Option(help: "Only requests in this state.") var state: String?
        @Option(help: "At most this many.") var limit: Int = 100

        func run() async throws {
            var path = "/v1/realms/\(realm)/requests?limit=\(limit)"
            if let state { path += "&state=\(state)" }
            let answer = try await call(try options.client(), "GET", path)
            guard answer.status == 200 else { throw fail(answer) }
            try emit(answer, options) {
                try answer.decode([RequestView].self).map {
                    "\($0.id.lowercasedString)\t\($0.state.rawValue)\t\($0.policy) v\($0.policyVersion)"
                }.joined(separator: "\n")
            }
        }
    }

    struct Certificate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Download the issued certificate with its chain (PEM).")
        @OptionGroup var options: GlobalOptions
        @Option(help: "Realm id.") var realm: String
        @Argument(help: "Request id.") var id: String
        @Option(name: .shortAndLong, help: "Write to this file instead of standard output.") var out: String?

        func run() async throws {
            let answer = try await call(try options.client(), "GET", "/v1/realms/\(realm)/requests/\(id)/certificate")
            guard answer.status == 200 else { throw fail(answer) }
            try writeOutput(answer.text, to: out)
        }
    }
}

struct KeyBundle: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "key-bundle",
        abstract: "Download the certificate with its server-generated private key (once: the key is then destroyed).")
    @OptionGroup var options: GlobalOptions
    @Option(help: "Realm id.") var realm: String
    @Argument(help: "Request id.") var id: String
    @Option(help: "pkcs12 or pem.") var format: String = "pkcs12"
    @Option(help: "File whose first line is the bundle password (at least 12 characters).") var passwordFile: String
    @Option(name: .shortAndLong, help: "Write the bundle to this file.") var out: String

    func run() async throws {
        let password = try firstLine(of: passwordFile)
        let answer = try await call(
            try options.client(), "POST", "/v1/realms/\(realm)/requests/\(id)/key-bundle?format=\(format)",
            json: KeyBundleBody(password: password))
        guard answer.status == 200 else { throw fail(answer) }
        // The bundle holds a private key: create the file readable by its owner only.
        guard FileManager.default.createFile(atPath: out, contents: answer.body, attributes: [.posixPermissions: 0o600])
        else { throw ValidationError("cannot write '\(out)'") }
        printError("wrote \(out) (\(answer.body.count) bytes); the server has destroyed its copy of the key")
    }
}

/// A request in a few lines a person can read.
func describe(_ request: RequestView) -> String {
    var lines = [
        "request  \(request.id.lowercasedString)",
        "state    \(request.state.rawValue)",
        "policy   \(request.policy) v\(request.policyVersion)",
        "validity \(request.validityDays) days" + (request.validityNote.map { " (\($0))" } ?? ""),
    ]
    if let serial = request.serialNumber { lines.append("serial   \(serial)") }
    for change in request.history ?? [] {
        let at = ContractCoding.formatTimestamp(change.at)
        lines.append("  \(at)  \(change.state.rawValue)  by \(change.actor)  \(change.reason)")
    }
    return lines.joined(separator: "\n")
}

struct CACommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ca", abstract: "Certificate authorities.", subcommands: [List.self, Chain.self])

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List CAs.")
        @OptionGroup var options: GlobalOptions

        func run() async throws {
            let answer = try await call(try options.client(), "GET", "/v1/cas")
            guard answer.status == 200 else { throw fail(answer) }
            try emit(answer, options) {
                try answer.decode([AuthorityView].self).map {
                    "\($0.name)\t\($0.subject)\tuntil \(ContractCoding.formatTimestamp($0.notAfter))"
                }.joined(separator: "\n")
            }
        }
    }

    struct Chain: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Download a CA's chain (issuing CA, then root), PEM.")
        @OptionGroup var options: GlobalOptions
        @Argument(help: "CA name.") var name: String
        @Option(name: .shortAndLong, help: "Write to this file instead of standard output.") var out: String?

        func run() async throws {
            let answer = try await call(try options.client(), "GET", "/v1/cas/\(name)/chain")
            guard answer.status == 200 else { throw fail(answer) }
            try writeOutput(answer.text, to: out)
        }
    }
}

/// The first line of a password file (without its line break).
func firstLine(of path: String) throws -> String {
    let raw = String(decoding: try readFile(path), as: UTF8.self)
    return raw.split(separator: "\n", maxSplits: 1, omittingEmptySubsequences: false).first.map(String.init) ?? ""
}
