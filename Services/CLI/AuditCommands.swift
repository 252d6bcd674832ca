import ArgumentParser
import CLMClient
import CLMContracts
import CLMCrypto
import Foundation

/// `clm audit list|verify`: read the services' hash-chained audit trails and check them.
struct AuditCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit", abstract: "Read and verify the tamper-evident audit trails.",
        subcommands: [List.self, Verify.self])

    static let services = ["registry", "intake", "approval", "keygen", "ca-gateway"]

    /// Where the trails are read: the realm's (auditor, realm-admin) or the platform's (platform-admin).
    struct Scope: ParsableArguments {
        @Option(help: "Realm whose trails to read.") var realm: String?
        @Flag(help: "Read the platform trail (failed logins, realms, CAs, KEK rotation) instead.") var platform = false
        @Option(
            name: .customLong("service-url"),
            help: "Reach one service directly, SERVICE=URL (repeatable; default: everything through --url).")
        var serviceURLs: [String] = []

        func validate() throws {
            guard (realm != nil) != platform else { throw ValidationError("give --realm REALM or --platform") }
            for entry in serviceURLs {
                let parts = entry.split(separator: "=", maxSplits: 1).map(String.init)
                guard parts.count == 2, AuditCommand.services.contains(parts[0]), URL(string: parts[1])?.scheme != nil
                else {
                    throw ValidationError(
                        "--service-url: '\(entry)' is not SERVICE=URL with SERVICE one of \(AuditCommand.services.joined(separator: ", "))"
                    )
                }
            }
        }

        func path(_ service: String, after: Int) -> String {
            let base = platform ? "/v1/audit/\(service)" : "/v1/realms/\(realm ?? "")/audit/\(service)"
            return "\(base)?after=\(after)&limit=1000"
        }

        func client(_ service: String, _ options: GlobalOptions) throws -> CLMClient {
            let direct = serviceURLs.first { $0.hasPrefix(service + "=") }.map {
                String($0.dropFirst(service.count + 1))
            }
            var options = options
            if let direct { options.url = direct }
            return try options.client()
        }

        /// Every record of one service's trail, in order.
        func records(_ service: String, _ options: GlobalOptions) async throws -> [AuditRecord] {
            let client = try client(service, options)
            var records: [AuditRecord] = []
            while true {
                let answer = try await call(client, "GET", path(service, after: records.last?.sequence ?? 0))
                guard answer.status == 200 else { throw fail(answer) }
                let page = try answer.decode([AuditRecord].self)
                records += page
                if page.count < 1000 { return records }
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print one service's audit trail.")
        @OptionGroup var options: GlobalOptions
        @OptionGroup var scope: Scope
        @Option(help: "Service: registry, intake, approval, keygen or ca-gateway.") var service: String

        func run() async throws {
            guard AuditCommand.services.contains(service) else {
                throw ValidationError("--service: unknown '\(service)'")
            }
            let records = try await scope.records(service, options)
            switch options.output {
            case .json:
                print(String(decoding: try ContractCoding.encoder().encode(records), as: UTF8.self))
            case .text:
                for record in records {
                    print(
                        "\(record.sequence)\t\(record.at)\t\(record.actor)\t\(record.action)\t\(record.target)\t\(record.details)"
                    )
                }
            }
        }
    }

    struct Verify: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Recompute every service's hash chain; exit 7 if any record was changed, inserted or removed.")
        @OptionGroup var options: GlobalOptions
        @OptionGroup var scope: Scope

        func run() async throws {
            var broken = false
            var report: [ChainReport] = []
            for service in AuditCommand.services {
                let records = try await scope.records(service, options)
                let problem =
                    AuditChain.firstBreak(
                        records.map { ($0.sequence, $0.previousHash, $0.hash, $0.chainFields) },
                        genesis: AuditRecord.genesisHash)
                    ?? records.first(where: { $0.service != service }).map {
                        AuditChain.Break(
                            sequence: $0.sequence, reason: "written by \($0.service), served by \(service)")
                    }
                broken = broken || problem != nil
                report.append(
                    ChainReport(
                        service: service, records: records.count, intact: problem == nil, brokenAt: problem?.sequence,
                        reason: problem?.reason, head: records.last?.hash))
                if options.output == .text {
                    if let problem {
                        print("\(service): BROKEN at \(problem)")
                    } else {
                        print(
                            "\(service): \(records.count) records, chain intact\(records.last.map { ", head \($0.hash.prefix(16))…" } ?? "")"
                        )
                    }
                }
            }
            if options.output == .json {
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.sortedKeys]
                print(String(decoding: try encoder.encode(report), as: UTF8.self))
            }
            if broken { throw ExitCode(ExitStatus.tampered.rawValue) }
        }
    }
}

/// One service's line of `clm audit verify --output json`; absent fields are left out.
struct ChainReport: Encodable {
    var service: String
    var records: Int
    var intact: Bool
    var brokenAt: Int?
    var reason: String?
    var head: String?
}
