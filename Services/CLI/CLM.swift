import ArgumentParser
import CLMClient
import CLMContracts
import Foundation

/// `clm`: the command-line client for CLM's API.
@main
struct CLM: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "clm",
        abstract: "Certificate lifecycle manager: realms, policies, end entities and certificate requests.",
        discussion: """
            The API base URL comes from --url or CLM_URL (default http://127.0.0.1:8080); the bearer token \
            from --token-file or CLM_TOKEN (`clm dev token` mints one for local use).
            """,
        subcommands: [
            RealmCommand.self, PolicyCommand.self, EntityCommand.self, RequestCommand.self, ApprovalCommand.self,
            CertCommand.self, CACommand.self, AuditCommand.self, DevCommand.self,
        ]
    )
}
