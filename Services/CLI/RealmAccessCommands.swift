import ArgumentParser
import CLMClient
import CLMContracts
import Foundation

/// `clm realm members|grant|revoke|cas|assign-ca|unassign-ca`.
extension RealmCommand {
    struct Members: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the realm's members and their roles.")
        @OptionGroup var options: GlobalOptions
        @Option(help: "Realm id.") var realm: String

        func run() async throws {
            let answer = try await call(try options.client(), "GET", "/v1/realms/\(realm)/members")
            guard answer.status == 200 else { throw fail(answer) }
            try emit(answer, options) {
                try answer.decode([MemberSnapshot].self).map { "\($0.subject)\t\($0.roles.joined(separator: ","))" }
                    .joined(separator: "\n")
            }
        }
    }

    struct Grant: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Set a member's roles (replaces the roles granted before).",
            discussion:
                "Roles: realm-admin, requester, approver, auditor. They add to the roles the member's token carries.")
        @OptionGroup var options: GlobalOptions
        @Option(help: "Realm id.") var realm: String
        @Argument(help: "The member's token subject.") var subject: String
        @Option(name: .customLong("role"), help: "A role (repeat for several).") var roles: [String]

        func run() async throws {
            let answer = try await call(
                try options.client(), "PUT", "/v1/realms/\(realm)/members/\(pathSegment(subject))",
                json: MemberRolesBody(roles: roles))
            guard answer.status == 200 else { throw fail(answer) }
            try emit(answer, options) {
                "\(subject) in \(realm): \(try answer.decode(MemberSnapshot.self).roles.joined(separator: ", "))"
            }
        }
    }

    struct Revoke: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Remove a member and every role granted to them.")
        @OptionGroup var options: GlobalOptions
        @Option(help: "Realm id.") var realm: String
        @Argument(help: "The member's token subject.") var subject: String

        func run() async throws {
            let answer = try await call(
                try options.client(), "DELETE", "/v1/realms/\(realm)/members/\(pathSegment(subject))")
            guard answer.status == 204 else { throw fail(answer) }
            if options.output == .json { print("{}") } else { print("\(subject) removed from \(realm)") }
        }
    }

    struct CAs: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "cas", abstract: "List the CAs the realm's policies may name.")
        @OptionGroup var options: GlobalOptions
        @Option(help: "Realm id.") var realm: String

        func run() async throws {
            let answer = try await call(try options.client(), "GET", "/v1/realms/\(realm)/cas")
            guard answer.status == 200 else { throw fail(answer) }
            try emit(answer, options) { try answer.decode(RealmCAsView.self).cas.joined(separator: "\n") }
        }
    }

    struct AssignCA: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "assign-ca", abstract: "Let the realm's policies name a CA (platform-admin).")
        @OptionGroup var options: GlobalOptions
        @Option(help: "Realm id.") var realm: String
        @Argument(help: "CA name.") var ca: String

        func run() async throws { try await changeRealmCAs("PUT", realm: realm, ca: ca, options) }
    }

    struct UnassignCA: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "unassign-ca", abstract: "Take a CA away from the realm (refused while a policy names it).")
        @OptionGroup var options: GlobalOptions
        @Option(help: "Realm id.") var realm: String
        @Argument(help: "CA name.") var ca: String

        func run() async throws { try await changeRealmCAs("DELETE", realm: realm, ca: ca, options) }
    }
}

/// Assigns (`PUT`) or takes away (`DELETE`) one CA of a realm and prints the realm's CAs.
private func changeRealmCAs(_ method: String, realm: String, ca: String, _ options: GlobalOptions) async throws {
    let answer = try await call(try options.client(), method, "/v1/realms/\(realm)/cas/\(pathSegment(ca))")
    guard answer.status == 200 else { throw fail(answer) }
    try emit(answer, options) { "\(realm) CAs: \(try answer.decode(RealmCAsView.self).cas.joined(separator: ", "))" }
}

/// Percent-encodes one path segment (subjects may hold `@`, `:` or `/`).
func pathSegment(_ text: String) -> String {
    var allowed = CharacterSet.urlPathAllowed
    allowed.remove(charactersIn: "/?#")
    return text.addingPercentEncoding(withAllowedCharacters: allowed) ?? text
}
