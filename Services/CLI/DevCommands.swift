import ArgumentParser
import CLMContracts
import CLMIdentity
import Foundation

/// Local development helpers: a development identity provider and tokens it signs.
struct DevCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dev", abstract: "Local development identity: create the provider, mint tokens.",
        subcommands: [InitIdentityProvider.self, Token.self])

    /// Where the development identity provider lives (`make run` creates it).
    struct ProviderOptions: ParsableArguments {
        @Option(help: "Directory of the development identity provider (default: $CLM_DEV_IDP_DIR or .local/idp).")
        var idpDir: String?

        var directory: URL {
            URL(fileURLWithPath: idpDir ?? ProcessInfo.processInfo.environment["CLM_DEV_IDP_DIR"] ?? ".local/idp")
        }
    }

    struct InitIdentityProvider: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "init-idp",
            abstract: "Create the development signing key and its JWKS (kept if they exist).")
        @OptionGroup var provider: ProviderOptions

        func run() async throws {
            let idp = try DevelopmentIdentityProvider.create(directory: provider.directory)
            print("development identity provider in \(provider.directory.path) (key id \(idp.keyID))")
            print(
                "services: CLM_AUTH_JWKS_URL=\(provider.directory.appendingPathComponent("jwks.json").absoluteString)")
        }
    }

    struct Token: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Mint a bearer token from the development identity provider.",
            discussion: """
                Example: export CLM_TOKEN=$(clm dev token --subject alice --role demo=requester,approver)
                """)
        @OptionGroup var provider: ProviderOptions
        @Option(help: "The token's subject (user or service id).") var subject: String
        @Option(
            name: .customLong("role"),
            help: "Realm roles as REALM=ROLE[,ROLE]: realm-admin, requester, approver, auditor (repeatable).")
        var roles: [String] = []
        @Flag(help: "Grant platform-admin (may create realms).") var platformAdmin = false
        @Option(help: "Lifetime in seconds.") var lifetime: Int = 3600
        @Option(help: "Issuer (must match the services' CLM_AUTH_ISSUER).") var issuer = "clm-dev"
        @Option(help: "Audience (must match the services' CLM_AUTH_AUDIENCE).") var audience = "clm"

        static let realmRoles: Set<String> = Role.realmRoleNames

        func validate() throws {
            guard !subject.isEmpty else { throw ValidationError("--subject must not be empty") }
            guard (1...86_400).contains(lifetime) else { throw ValidationError("--lifetime must be 1...86400 seconds") }
            _ = try parsedRoles()
        }

        func parsedRoles() throws -> [String: Set<String>] {
            var result: [String: Set<String>] = [:]
            for entry in roles {
                let parts = entry.split(separator: "=", maxSplits: 1).map(String.init)
                guard parts.count == 2, !parts[0].isEmpty else {
                    throw ValidationError("--role '\(entry)': expected REALM=ROLE[,ROLE]")
                }
                for role in parts[1].split(separator: ",").map(String.init) {
                    guard Self.realmRoles.contains(role) else {
                        throw ValidationError(
                            "--role '\(entry)': unknown role '\(role)' (\(Self.realmRoles.sorted().joined(separator: ", ")))"
                        )
                    }
                    result[parts[0], default: []].insert(role)
                }
            }
            return result
        }

        func run() async throws {
            let idp: DevelopmentIdentityProvider
            do {
                idp = try DevelopmentIdentityProvider.load(directory: provider.directory)
            } catch {
                printError(
                    "error: no development identity provider in \(provider.directory.path) (run `clm dev init-idp` or `make run`): \(error)"
                )
                throw ExitCode(ExitStatus.failure.rawValue)
            }
            let token = try idp.mint(
                subject: subject, issuer: issuer, audience: audience,
                platformRoles: platformAdmin ? ["platform-admin"] : [], realmRoles: try parsedRoles(),
                lifetime: .seconds(lifetime))
            print(token)
        }
    }
}
