import ArgumentParser
import CLMClient
import CLMContracts
import Foundation

struct ApprovalCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "approval", abstract: "See and decide requests that wait for approvers.",
        subcommands: [List.self, Show.self, Approve.self, Decline.self])

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List approvals (default: pending ones).")
        @OptionGroup var options: GlobalOptions
        @Option(help: "Realm id.") var realm: String
        @Option(help: "pending (default), all, or a request state.") var state: String = "pending"

        func run() async throws {
            let answer = try await call(
                try options.client(), "GET", "/v1/realms/\(realm)/approvals?state=\(state)")
            guard answer.status == 200 else { throw fail(answer) }
            try emit(answer, options) {
                try answer.decode([DecisionView].self).map { item in
                    [
                        item.request.uuidString, item.state.rawValue, item.mode.rawValue,
                        "\(item.approvals.count)/\(item.required)", "requester=\(item.requester)",
                        "policy=\(item.policy) v\(item.policyVersion)",
                    ].joined(separator: "\t")
                }.joined(separator: "\n")
            }
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show one request's approval and its votes.")
        @OptionGroup var options: GlobalOptions
        @Option(help: "Realm id.") var realm: String
        @Argument(help: "Request id.") var id: String

        func run() async throws {
            let answer = try await call(try options.client(), "GET", "/v1/realms/\(realm)/approvals/\(id)")
            guard answer.status == 200 else { throw fail(answer) }
            print(answer.text)
        }
    }

    struct Approve: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Approve a request (needs the approver role; never your own request).")
        @OptionGroup var options: GlobalOptions
        @Option(help: "Realm id.") var realm: String
        @Argument(help: "Request id.") var id: String
        @Option(help: "A note kept with the vote.") var comment: String?

        func run() async throws {
            let answer = try await call(
                try options.client(), "POST", "/v1/realms/\(realm)/approvals/\(id)/approve",
                json: ApproveBody(comment: comment))
            guard answer.status == 200 else { throw fail(answer) }
            try emit(answer, options) { "request \(id): \(try answer.decode(DecisionView.self).state.rawValue)" }
        }
    }

    struct Decline: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Decline a request; one decline ends it.")
        @OptionGroup var options: GlobalOptions
        @Option(help: "Realm id.") var realm: String
        @Argument(help: "Request id.") var id: String
        @Option(help: "Why (shown to the requester).") var reason: String

        func run() async throws {
            let answer = try await call(
                try options.client(), "POST", "/v1/realms/\(realm)/approvals/\(id)/decline",
                json: DeclineBody(reason: reason))
            guard answer.status == 200 else { throw fail(answer) }
            try emit(answer, options) { "request \(id): declined" }
        }
    }
}
