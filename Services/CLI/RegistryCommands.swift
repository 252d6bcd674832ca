import ArgumentParser
import CLMClient
import CLMContracts
import Foundation

struct RealmCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "realm", abstract: "Manage realms (tenants), their members and CAs.",
        subcommands: [
            Create.self, List.self, Members.self, Grant.self, Revoke.self, CAs.self, AssignCA.self, UnassignCA.self,
        ])

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create a realm.")
        @OptionGroup var options: GlobalOptions
        @Argument(help: "Realm id: lower-case letters, digits, dashes.") var id: String
        @Option(help: "Display name.") var name: String?
        @Option(name: .customLong("ca"), help: "A CA the realm's policies may name (repeat; default: default).")
        var cas: [String] = []
        @Flag(help: "Succeed if the realm already exists.") var existsOk = false

        func run() async throws {
            let client = try options.client()
            let body = CreateRealmBody(id: id, displayName: name ?? id, cas: cas.isEmpty ? nil : cas)
            let answer = try await call(client, "POST", "/v1/realms", json: body)
            if answer.status == 409 && existsOk {
                printError("realm '\(id)' already exists")
                return
            }
            guard answer.status == 201 else { throw fail(answer) }
            try emit(answer, options) { "realm \(id) created" }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List realms.")
        @OptionGroup var options: GlobalOptions

        func run() async throws {
            let answer = try await call(try options.client(), "GET", "/v1/realms")
            guard answer.status == 200 else { throw fail(answer) }
            try emit(answer, options) {
                try answer.decode([RealmSnapshot].self).map { "\($0.realm)\t\($0.displayName)" }.joined(separator: "\n")
            }
        }
    }
}

struct PolicyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "policy", abstract: "Manage versioned policies.",
        subcommands: [Create.self, Update.self, Show.self, Versions.self, List.self])

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create a policy (version 1) from a JSON file.")
        @OptionGroup var options: GlobalOptions
        @Option(help: "Realm id.") var realm: String
        @Option(help: "Policy document (JSON).") var file: String
        @Flag(help: "Succeed without a new version if the policy already exists.") var existsOk = false

        func run() async throws {
            guard
                let answer = try await create(
                    from: file, at: "/v1/realms/\(realm)/policies", existsOk: existsOk, what: "policy", options: options
                )
            else { return }
            try emit(answer, options) {
                let created = try answer.decode(PolicySnapshot.self)
                return "policy \(created.policy) version \(created.version) created"
            }
        }
    }

    struct Update: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create a new version of a policy from a JSON file.")
        @OptionGroup var options: GlobalOptions
        @Option(help: "Realm id.") var realm: String
        @Option(help: "Policy document (JSON); its id names the policy.") var file: String

        func run() async throws {
            let (id, answer) = try await replace(
                from: file, in: "/v1/realms/\(realm)/policies", what: "policy", options: options)
            try emit(answer, options) {
                "policy \(id) version \(try answer.decode(PolicySnapshot.self).version) created"
            }
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show a policy (latest or a given version).")
        @OptionGroup var options: GlobalOptions
        @Option(help: "Realm id.") var realm: String
        @Argument(help: "Policy id.") var id: String
        @Option(help: "Version (default: latest).") var version: Int?

        func run() async throws {
            let path = "/v1/realms/\(realm)/policies/\(id)" + (version.map { "/versions/\($0)" } ?? "")
            let answer = try await call(try options.client(), "GET", path)
            guard answer.status == 200 else { throw fail(answer) }
            print(answer.text)
        }
    }

    struct Versions: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List every version of a policy.")
        @OptionGroup var options: GlobalOptions
        @Option(help: "Realm id.") var realm: String
        @Argument(help: "Policy id.") var id: String

        func run() async throws {
            let answer = try await call(try options.client(), "GET", "/v1/realms/\(realm)/policies/\(id)/versions")
            guard answer.status == 200 else { throw fail(answer) }
            try emit(answer, options) {
                try answer.decode([PolicySnapshot].self).map {
                    "v\($0.version)\t\(ContractCoding.formatTimestamp($0.createdAt))"
                }.joined(separator: "\n")
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List a realm's policies (latest versions).")
        @OptionGroup var options: GlobalOptions
        @Option(help: "Realm id.") var realm: String

        func run() async throws {
            let answer = try await call(try options.client(), "GET", "/v1/realms/\(realm)/policies")
            guard answer.status == 200 else { throw fail(answer) }
            try emit(answer, options) {
                try answer.decode([PolicySnapshot].self).map { "\($0.policy)\tv\($0.version)" }.joined(separator: "\n")
            }
        }
    }
}

struct EntityCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "entity", abstract: "Manage end entities (people, devices, services).",
        subcommands: [Create.self, Update.self, Show.self, List.self])

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create an end entity from a JSON file.")
        @OptionGroup var options: GlobalOptions
        @Option(help: "Realm id.") var realm: String
        @Option(help: "End entity (JSON).") var file: String
        @Flag(help: "Succeed if the end entity already exists.") var existsOk = false

        func run() async throws {
            guard
                let answer = try await create(
                    from: file, at: "/v1/realms/\(realm)/end-entities", existsOk: existsOk, what: "end entity",
                    options: options)
            else { return }
            try emit(answer, options) { "end entity created" }
        }
    }

    struct Update: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Replace an end entity's attributes from a JSON file.")
        @OptionGroup var options: GlobalOptions
        @Option(help: "Realm id.") var realm: String
        @Option(help: "End entity (JSON); its id names the entity.") var file: String

        func run() async throws {
            let (id, answer) = try await replace(
                from: file, in: "/v1/realms/\(realm)/end-entities", what: "end entity", options: options)
            try emit(answer, options) {
                "end entity \(id) revision \(try answer.decode(EndEntitySnapshot.self).revision)"
            }
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show an end entity.")
        @OptionGroup var options: GlobalOptions
        @Option(help: "Realm id.") var realm: String
        @Argument(help: "End entity id.") var id: String

        func run() async throws {
            let answer = try await call(try options.client(), "GET", "/v1/realms/\(realm)/end-entities/\(id)")
            guard answer.status == 200 else { throw fail(answer) }
            print(answer.text)
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List a realm's end entities.")
        @OptionGroup var options: GlobalOptions
        @Option(help: "Realm id.") var realm: String

        func run() async throws {
            let answer = try await call(try options.client(), "GET", "/v1/realms/\(realm)/end-entities")
            guard answer.status == 200 else { throw fail(answer) }
            try emit(answer, options) {
                try answer.decode([EndEntitySnapshot].self).map {
                    "\($0.entity.id)\t\($0.entity.kind.rawValue)\trevision \($0.revision)"
                }.joined(separator: "\n")
            }
        }
    }
}
