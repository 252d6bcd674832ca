import Foundation
import Testing

/// The layering of docs/architecture.md, checked on the sources themselves: where SQL may be
/// written, which files may know HTTP, and how large a file or function may grow.
@Suite("Source layout")
struct SourceLayoutTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../../..").standardizedFileURL

    struct Source {
        var path: String
        var lines: [Substring]
    }

    static let sources: [Source] = ["Services", "Shared"].flatMap { folder -> [Source] in
        let base = root.appendingPathComponent(folder)
        let files =
            FileManager.default.enumerator(at: base, includingPropertiesForKeys: nil)?
            .compactMap { $0 as? URL }.filter { $0.pathExtension == "swift" } ?? []
        return files.compactMap { url in
            guard let text = try? String(contentsOf: url, encoding: .utf8) else { return nil }
            let path = String(url.standardizedFileURL.path.dropFirst(root.path.count + 1))
            return Source(path: path, lines: text.split(separator: "\n", omittingEmptySubsequences: false))
        }
    }

    static func sources(in folder: String) -> [Source] { sources.filter { $0.path.contains("/\(folder)/") } }

    @Test("the sources were found")
    func found() {
        #expect(Self.sources.count > 150, "\(Self.sources.count) files under \(Self.root.path)")
        #expect(!Self.sources(in: "UseCases").isEmpty && !Self.sources(in: "Store").isEmpty)
    }

    @Test("no file in Services/ or Shared/ is longer than 300 lines")
    func fileLength() {
        for source in Self.sources where source.lines.count > 301 {
            Issue.record("\(source.path) has \(source.lines.count) lines")
        }
    }

    @Test("no function is longer than 60 lines")
    func functionLength() {
        for source in Self.sources {
            for (start, length) in Self.functions(source.lines) where length > 60 {
                Issue.record("\(source.path):\(start + 1) has a function of \(length) lines")
            }
        }
    }

    @Test("use cases and domain files know nothing of HTTP")
    func noHTTPInTheDomain() {
        for source in Self.sources(in: "UseCases") + Self.sources(in: "Domain") {
            for (number, line) in source.lines.enumerated()
            where line.hasPrefix("import Hummingbird") || line.hasPrefix("import HTTPTypes")
                || line.contains("APIError")
            {
                Issue.record("\(source.path):\(number + 1): \(line)")
            }
        }
    }

    @Test("SQL is written only in store types")
    func sqlOnlyInStores() {
        // Statements, not words: a keyword followed by what only SQL puts after it.
        let statement = try! Regex(
            #"\b(SELECT [a-z0-9_*(]|INSERT INTO|UPDATE [a-z_]+\.|DELETE FROM|CREATE (TABLE|INDEX)|ALTER TABLE)"#)
        let allowed = ["/Store/", "Store.swift", "Shared/Storage/", "Migrations.swift"]
        let sharedStores = [
            "Shared/ServiceKit/AuditLog.swift", "Shared/ServiceKit/RealmMembers.swift",
            "Shared/ServiceKit/DatabaseMonitor.swift", "Shared/ServiceKit/ServiceRunner.swift",
        ]
        for source in Self.sources
        where !allowed.contains(where: source.path.contains) && !sharedStores.contains(source.path) {
            for (number, line) in source.lines.enumerated() where line.contains(statement) {
                Issue.record("\(source.path):\(number + 1): \(line.trimmingCharacters(in: .whitespaces))")
            }
        }
    }

    /// (first line, length) of each function and initializer with a body: from its declaration
    /// to the closing brace at the declaration's own indentation.
    static func functions(_ lines: [Substring]) -> [(Int, Int)] {
        var result: [(Int, Int)] = []
        for (index, line) in lines.enumerated() {
            let trimmed = line.drop { $0 == " " }
            guard isFunction(trimmed) else { continue }
            // The body opens on the declaration's line or a continuation of it; a requirement
            // without a body is followed by a blank line or another declaration instead.
            let window = lines[index..<min(index + 8, lines.count)]
            guard let open = window.firstIndex(where: { $0.hasSuffix("{") }),
                !lines[index..<open].dropFirst().contains(where: { $0.isEmpty || isFunction($0.drop { $0 == " " }) })
            else { continue }
            let closing = String(repeating: " ", count: line.count - trimmed.count) + "}"
            guard let end = lines[(open + 1)...].firstIndex(where: { $0 == closing || $0.hasPrefix(closing + " ") })
            else { continue }
            result.append((index, end - index + 1))
        }
        return result
    }

    static func isFunction(_ line: Substring) -> Bool {
        guard !line.hasPrefix("//") else { return false }
        return line.hasPrefix("func ") || line.contains(" func ") || line.hasPrefix("init(") || line.contains(" init(")
    }
}
