import ArgumentParser
import CLMClient
import CLMContracts
import Foundation

enum OutputFormat: String, ExpressibleByArgument, CaseIterable {
    case text, json
}

/// Options every command takes.
struct GlobalOptions: ParsableArguments {
    @Option(help: "API base URL (default: $CLM_URL or http://127.0.0.1:8080).")
    var url: String?

    @Option(help: "Output format: text or json.")
    var output: OutputFormat = .text

    @Option(help: "File holding the bearer token (otherwise the token itself comes from $CLM_TOKEN).")
    var tokenFile: String?

    func client() throws -> CLMClient {
        let text = url ?? ProcessInfo.processInfo.environment["CLM_URL"] ?? "http://127.0.0.1:8080"
        guard let base = URL(string: text), base.scheme != nil else {
            throw ValidationError("--url: '\(text)' is not a URL")
        }
        var token = ProcessInfo.processInfo.environment["CLM_TOKEN"]
        if let tokenFile {
            token = String(decoding: try readFile(tokenFile), as: UTF8.self).trimmingCharacters(
                in: .whitespacesAndNewlines)
        }
        return CLMClient(baseURL: base, token: token?.isEmpty == true ? nil : token)
    }
}

/// Exit codes scripts can rely on.
enum ExitStatus: Int32 {
    case failure = 1
    case notFound = 3
    case rejected = 4
    case unavailable = 5
    case timeout = 6
    /// `clm audit verify` found a broken chain.
    case tampered = 7
}

/// Fails the command with the server's problem detail and a matching exit code.
func fail(_ answer: CLMClient.Answer) -> ExitCode {
    let message = answer.problem.map(\.description) ?? "HTTP \(answer.status): \(answer.text.prefix(500))"
    printError("error: \(message)")
    switch answer.status {
    case 404: return ExitCode(ExitStatus.notFound.rawValue)
    case 400..<500: return ExitCode(ExitStatus.rejected.rawValue)
    default: return ExitCode(ExitStatus.unavailable.rawValue)
    }
}

func printError(_ text: String) {
    FileHandle.standardError.write(Data((text + "\n").utf8))
}

/// Calls the API, turning connection failures into one clear line.
func call(_ client: CLMClient, _ method: String, _ path: String, body: Data? = nil, headers: [String: String] = [:])
    async throws -> CLMClient.Answer
{
    do {
        return try await client.send(method, path, body: body, headers: headers)
    } catch {
        printError("error: cannot reach CLM at \(client.baseURL.absoluteString): \(error.localizedDescription)")
        throw ExitCode(ExitStatus.unavailable.rawValue)
    }
}

/// Calls the API with a JSON body in the contracts' coding.
func call<Body: Encodable>(
    _ client: CLMClient, _ method: String, _ path: String, json: Body, headers: [String: String] = [:]
) async throws -> CLMClient.Answer {
    try await call(client, method, path, body: try ContractCoding.encoder().encode(json), headers: headers)
}

/// Prints a successful answer: raw JSON, or the given text rendering.
func emit(_ answer: CLMClient.Answer, _ options: GlobalOptions, text: () throws -> String) throws {
    switch options.output {
    case .json: print(answer.text)
    case .text: print(try text())
    }
}

func readFile(_ path: String) throws -> Data {
    guard let data = FileManager.default.contents(atPath: path) else {
        throw ValidationError("cannot read file '\(path)'")
    }
    return data
}

func writeOutput(_ text: String, to path: String?) throws {
    if let path {
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
    } else {
        print(text, terminator: "")
    }
}

/// POSTs a JSON file to a collection and expects 201. With `existsOk`, a 409 (already exists)
/// is reported on stderr and accepted: nil is returned and nothing changed.
func create(from file: String, at path: String, existsOk: Bool, what: String, options: GlobalOptions) async throws
    -> CLMClient.Answer?
{
    let answer = try await call(try options.client(), "POST", path, body: try readFile(file))
    if answer.status == 409 && existsOk {
        printError("\(what) already exists; unchanged")
        return nil
    }
    guard answer.status == 201 else { throw fail(answer) }
    return answer
}

/// PUTs a JSON file to `collection/<the file's id>` and expects 200; returns the id and answer.
func replace(from file: String, in collection: String, what: String, options: GlobalOptions) async throws
    -> (id: String, answer: CLMClient.Answer)
{
    let data = try readFile(file)
    guard let id = (try? JSONDecoder().decode(NamedDocument.self, from: data))?.id else {
        throw ValidationError("the \(what) file has no string 'id'")
    }
    let answer = try await call(try options.client(), "PUT", "\(collection)/\(id)", body: data)
    guard answer.status == 200 else { throw fail(answer) }
    return (id, answer)
}

/// The one field of a user's policy or end-entity file the CLI reads itself; the file is sent
/// as it is.
private struct NamedDocument: Decodable {
    var id: String
}
