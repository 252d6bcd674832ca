import Foundation
import Testing

@testable import CLMContracts

/// The event schemas agree with the Swift contract types, and reject what they must.
@Suite("Event schemas")
struct ContractsEventSchemaTests {
    typealias Value = JSONSchema.Value
    typealias F = ContractFixtures

    // MARK: Files

    @Test("every event type has exactly one schema file, and nothing else is there")
    func schemaFilesMatchEventTypes() throws {
        let expected = EventType.allCases.map(\.schemaFileName).sorted()
        #expect(EventSchemas.schemaFileNames() == expected)
    }

    @Test("schemas come from the module's resource bundle")
    func schemasComeFromTheResourceBundle() throws {
        let directory = try #require(EventSchemas.schemaDirectory)
        #expect(directory.path.contains(EventSchemas.resourceBundleName + "."), "\(directory.path)")
    }

    @Test("each schema compiles and its `type` const is its file's event type", arguments: EventType.allCases)
    func schemaNamesItsType(type: EventType) throws {
        _ = try EventSchemas.schema(for: type)
        let raw = try F.rawSchema(type)
        guard case .object(let properties)? = raw["properties"], case .object(let typeProperty)? = properties["type"]
        else {
            Issue.record("schema of \(type) has no properties.type")
            return
        }
        #expect(typeProperty["const"] == .string(type.rawValue))
        #expect(raw["title"] == .string(type.rawValue))
        #expect(raw["$schema"] == .string("https://json-schema.org/draft/2020-12/schema"))
    }

    @Test("every object in every schema forbids additional properties", arguments: EventType.allCases)
    func objectsAreClosed(type: EventType) throws {
        let raw = try F.rawSchema(type)
        func visit(_ value: Value, _ path: String) {
            guard case .object(let members) = value else {
                if case .array(let elements) = value {
                    for (index, element) in elements.enumerated() { visit(element, "\(path)/\(index)") }
                }
                return
            }
            if members["type"] == .string("object") {
                #expect(members["additionalProperties"] == .bool(false), "\(type) at \(path)")
                #expect(members["properties"] != nil, "\(type) at \(path)")
            }
            for (key, member) in members where key != "enum" && key != "const" {
                visit(member, "\(path)/\(key)")
            }
        }
        visit(.object(raw), "")
    }

    // MARK: Valid events

    @Test("a realistic event validates, with all optionals set and with none", arguments: EventType.allCases)
    func realisticEventsValidate(type: EventType) throws {
        for optionals in [true, false] {
            let bytes = try F.event(type, optionals: optionals)
            let violations = try EventSchemas.validate(bytes)
            #expect(violations.isEmpty, "\(type) optionals=\(optionals): \(violations)")
            // …and through the compiled schema directly.
            #expect(try EventSchemas.schema(for: type).validate(bytes).isEmpty)
        }
    }

    // MARK: Drift

    /// Schema `required` = keys present when every optional is nil; schema `properties` = keys
    /// present when every optional is set — at every object of the event, nested ones included.
    @Test("schemas and Swift types list the same properties", arguments: EventType.allCases)
    func schemaMatchesSwiftType(type: EventType) throws {
        let raw = try F.rawSchema(type)
        let definitions = F.definitions(of: raw)
        var objectsSeen = 0

        try F.walk(try F.parsedEvent(type, optionals: false), schema: raw, definitions: definitions) {
            pointer, value, node in
            guard case .object(let members) = value else { return }
            objectsSeen += 1
            #expect(
                F.stringSet(node["required"]) == Set(members.keys),
                "\(type) \(F.string(pointer)): required differs from the non-optional properties")
        }
        try F.walk(try F.parsedEvent(type, optionals: true), schema: raw, definitions: definitions) {
            pointer, value, node in
            guard case .object(let members) = value else { return }
            guard case .object(let properties)? = node["properties"] else {
                Issue.record("\(type) \(F.string(pointer)): object without properties")
                return
            }
            #expect(
                Set(properties.keys) == Set(members.keys),
                "\(type) \(F.string(pointer)): properties differ from the Swift type's")
        }
        #expect(objectsSeen >= 2)  // the envelope and `data`, at least
    }

    // MARK: Invalid events

    @Test("removing any non-optional property is reported at its path", arguments: EventType.allCases)
    func missingRequiredProperty(type: EventType) throws {
        let schema = try EventSchemas.schema(for: type)
        let minimal = try F.parsedEvent(type, optionals: false)
        var checked = 0
        for (pointer, _) in F.nodes(of: minimal) where !pointer.isEmpty && Int(pointer.last!) == nil {
            let broken = try #require(F.replacing(pointer, in: minimal, with: nil))
            let violations = schema.validate(broken)
            #expect(
                violations == [.init(path: F.string(pointer), reason: "required property is missing")],
                "\(type) without \(F.string(pointer)): \(violations)")
            checked += 1
        }
        #expect(checked >= 10)
    }

    @Test("an unknown property is reported at every object level", arguments: EventType.allCases)
    func unknownProperty(type: EventType) throws {
        let schema = try EventSchemas.schema(for: type)
        let full = try F.parsedEvent(type, optionals: true)
        for (pointer, value) in F.nodes(of: full) {
            guard case .object = value else { continue }
            let extra = pointer + ["surprise"]
            let broken = try #require(F.replacing(extra, in: full, with: .string("boo")))
            #expect(
                schema.validate(broken) == [.init(path: F.string(extra), reason: "unexpected property")],
                "\(type) with \(F.string(extra))")
        }
        // Through the bytes entry point too.
        var bytes = try F.event(type, optionals: true)
        bytes.removeLast()  // the closing brace
        bytes += Array(#","surprise":1}"#.utf8)
        #expect(try EventSchemas.validate(bytes) == [.init(path: "/surprise", reason: "unexpected property")])
    }

    @Test("a value of the wrong type is reported at its path", arguments: EventType.allCases)
    func wrongType(type: EventType) throws {
        let schema = try EventSchemas.schema(for: type)
        let full = try F.parsedEvent(type, optionals: true)
        for (pointer, value) in F.nodes(of: full) where !pointer.isEmpty {
            let wrong: Value =
                switch value {
                case .string: .number(42)
                case .number: .string("42")
                case .bool: .string("true")
                case .null: .bool(false)
                case .array: .object(["0": .string("x")])
                case .object: .array([])
                }
            let broken = try #require(F.replacing(pointer, in: full, with: wrong))
            let violations = schema.validate(broken)
            #expect(!violations.isEmpty, "\(type) \(F.string(pointer)) as \(wrong.typeName)")
            #expect(
                violations.allSatisfy { $0.path == F.string(pointer) },
                "\(type) \(F.string(pointer)) as \(wrong.typeName): \(violations)")
        }
    }

    @Test("a non-integer or boolean where an integer belongs is rejected")
    func integersAreIntegers() throws {
        let schema = try EventSchemas.schema(for: .policySnapshot)
        let full = try F.parsedEvent(.policySnapshot, optionals: true)
        for bad: Value in [.number(3.5), .bool(true), .string("3"), .null] {
            let broken = try #require(F.replacing(["data", "version"], in: full, with: bad))
            #expect(schema.validate(broken).map(\.path) == ["/data/version"], "\(bad)")
        }
        let zero = try #require(F.replacing(["data", "version"], in: full, with: .number(0)))
        #expect(schema.validate(zero).map(\.path) == ["/data/version"])
        let whole = try #require(F.replacing(["data", "version"], in: full, with: .number(7.0)))
        #expect(schema.validate(whole).isEmpty)
    }

    @Test("values outside an enum, uuid, date-time or pattern are reported", arguments: EventType.allCases)
    func constrainedStrings(type: EventType) throws {
        let schema = try EventSchemas.schema(for: type)
        let raw = try F.rawSchema(type)
        let full = try F.parsedEvent(type, optionals: true)
        var probed: [String: [String]] = [:]
        try F.walk(full, schema: raw, definitions: F.definitions(of: raw)) { pointer, value, node in
            guard case .string = value else { return }
            var bogus: [(keyword: String, value: String)] = []
            if node["enum"] != nil { bogus.append(("enum", "bogus")) }
            if node["const"] != nil { bogus.append(("const", "bogus")) }
            if node["format"] == .string("uuid") {
                bogus += [
                    ("uuid", "not-a-uuid"), ("uuid", "6F1C2A4E-3B7D-4E21-9A0C-5D8E7F6A1B2"),
                    ("uuid", "6F1C2A4E+3B7D-4E21-9A0C-5D8E7F6A1B2C"), ("uuid", "6F1C2A4E-3B7D-4E21-9A0C-5D8E7F6A1B2G"),
                ]
            }
            if node["format"] == .string("date-time") {
                bogus += [
                    ("date-time", "yesterday"), ("date-time", "2025-02-30T10:00:00Z"),
                    ("date-time", "2025-03-14 09:26:53Z"), ("date-time", "2025-03-14T09:26:53"),
                ]
            }
            if node["pattern"] != nil { bogus.append(("pattern", "Not Valid!")) }
            for (keyword, text) in bogus {
                let broken = try #require(F.replacing(pointer, in: full, with: .string(text)))
                let violations = schema.validate(broken)
                #expect(
                    !violations.isEmpty && violations.allSatisfy { $0.path == F.string(pointer) },
                    "\(type) \(F.string(pointer)) = \(text): \(violations)")
                probed[keyword, default: []].append(F.string(pointer))
            }
        }
        // Every event has an id (uuid), a time (date-time), a type (const) and a realm (pattern).
        #expect(probed["uuid"]?.contains("/id") == true)
        #expect(probed["date-time"]?.contains("/time") == true)
        #expect(probed["const"]?.contains("/type") == true)
        #expect(probed["pattern"]?.contains("/realm") == true)
        let expectedEnums: [EventType: Set<String>] = [
            .policySnapshot: Set(
                ["/data/document/approval/mode"]
                    + SubjectConstraints.attributeNames.map { "/data/document/constraints/attributes/\($0)/presence" }),
            .endEntitySnapshot: ["/data/entity/kind"],
            .memberSnapshot: ["/data/roles/0", "/data/roles/1"],
            .requestAwaiting: ["/data/state"],
            .keyDestroyed: ["/data/cause"],
            .certificateRevoked: ["/data/reason"],
            .revokeCommand: ["/data/reason"],
            .requestSubmitted: [
                "/data/approval/mode", "/data/keySource", "/data/alternativeNames/0/kind",
                "/data/alternativeNames/1/kind",
            ],
        ]
        #expect(Set(probed["enum"] ?? []) == expectedEnums[type] ?? [])
        if type.topic == .requestEvents {
            #expect(probed["uuid"]?.contains("/data/request") == true)
        }
    }

    @Test("specific paths and reasons")
    func specificViolations() throws {
        let submitted = try F.parsedEvent(.requestSubmitted, optionals: true)
        let schema = try EventSchemas.schema(for: .requestSubmitted)

        let badMode = try #require(
            F.replacing(["data", "approval", "mode"], in: submitted, with: .string("sometimes")))
        #expect(
            schema.validate(badMode) == [
                .init(path: "/data/approval/mode", reason: #""sometimes" is not one of "automatic", "email", "manual""#)
            ])
        let badRequest = try #require(F.replacing(["data", "request"], in: submitted, with: .string("42")))
        #expect(schema.validate(badRequest) == [.init(path: "/data/request", reason: #""42" is not a UUID"#)])
        let badSpec = try #require(F.replacing(["specversion"], in: submitted, with: .string("0.3")))
        #expect(schema.validate(badSpec) == [.init(path: "/specversion", reason: #"must be "1.0", got "0.3""#)])
        let badKind = try #require(
            F.replacing(["data", "alternativeNames", "1", "kind"], in: submitted, with: .number(1)))
        #expect(
            schema.validate(badKind) == [
                .init(path: "/data/alternativeNames/1/kind", reason: "expected string, got integer")
            ])
        let badRealm = try #require(F.replacing(["realm"], in: submitted, with: .string("-acme")))
        #expect(schema.validate(badRealm).map(\.path) == ["/realm"])
        let longRealm = try #require(
            F.replacing(["realm"], in: submitted, with: .string(String(repeating: "a", count: 64))))
        #expect(schema.validate(longRealm).map(\.path) == ["/realm"])

        // An event of one type carrying another type's data.
        let approved = try F.parsedEvent(.requestApproved, optionals: true)
        let mislabelled = try #require(
            F.replacing(["type"], in: approved, with: .string(EventType.requestDeclined.rawValue)))
        let violations = try EventSchemas.validate(mislabelled)
        #expect(Set(violations.map(\.path)) == ["/data/approvedBy", "/data/declinedBy"])

        // Several problems are all reported.
        var multi = try #require(F.replacing(["id"], in: approved, with: .string("x")))
        multi = try #require(F.replacing(["data", "approvedBy"], in: multi, with: .array([])))
        multi = try #require(F.replacing(["data", "reason"], in: multi, with: nil))
        #expect(try EventSchemas.validate(multi).map(\.path) == ["/data/reason", "/data/approvedBy", "/id"])
    }

    // MARK: Garbage

    @Test("garbage is refused with an error, never a crash")
    func garbage() throws {
        let notJSON: [[UInt8]] = [
            [], Array("not json".utf8), [0xFF, 0xFE, 0x00], Array(#"{"type":"#.utf8),
            Array(String(repeating: "[", count: 100_000).utf8), Array(#"{"a":1,}"#.utf8),
        ]
        for bytes in notJSON {
            #expect(throws: EventSchemas.Error.self) { try EventSchemas.validate(bytes) }
        }
        #expect(throws: EventSchemas.Error.notAnEvent("expected a JSON object, got array")) {
            try EventSchemas.validate(Array("[1,2]".utf8))
        }
        #expect(throws: EventSchemas.Error.notAnEvent("expected a JSON object, got integer")) {
            try EventSchemas.validate(Array("42".utf8))
        }
        #expect(throws: EventSchemas.Error.notAnEvent("the 'type' member is missing")) {
            try EventSchemas.validate(Array("{}".utf8))
        }
        #expect(throws: EventSchemas.Error.notAnEvent("the 'type' member is not a string")) {
            try EventSchemas.validate(Array(#"{"type":true}"#.utf8))
        }
        #expect(throws: EventSchemas.Error.unknownEventType("clm.request.exploded.v9")) {
            try EventSchemas.validate(Array(#"{"type":"clm.request.exploded.v9"}"#.utf8))
        }

        // Huge and odd numbers are just wrong values.
        let type = EventType.policySnapshot.rawValue
        for number in ["1e308", "-1e308", "123456789012345678901234567890", "18446744073709551616"] {
            let text = #"{"type":"\#(type)","specversion":\#(number),"data":{"version":\#(number)}}"#
            let violations = try EventSchemas.validate(Array(text.utf8))
            #expect(violations.contains { $0.path == "/specversion" }, "\(number)")
        }
        // Whatever JSONSerialization makes of an out-of-range literal, nothing traps.
        _ = try? EventSchemas.validate(Array(#"{"type":"\#(type)","data":{"version":1e999}}"#.utf8))
        // Deep nesting inside a valid-looking event.
        let deep = String(repeating: "[", count: 400) + String(repeating: "]", count: 400)
        let deepEvent = #"{"type":"\#(type)","data":{"document":\#(deep)}}"#
        #expect(try EventSchemas.validate(Array(deepEvent.utf8)).contains { $0.path == "/data/document" })
    }

    @Test("random corruption of valid events never traps")
    func fuzz() throws {
        var generator = ContractsFuzzGenerator(seed: 0xC1A5_5EED)
        for type in EventType.allCases {
            let original = try F.event(type, optionals: true)
            for _ in 0..<150 {
                var bytes = original
                for _ in 0..<Int.random(in: 1...4, using: &generator) {
                    let index = Int.random(in: 0..<bytes.count, using: &generator)
                    switch Int.random(in: 0..<3, using: &generator) {
                    case 0: bytes[index] = UInt8.random(in: 0...255, using: &generator)
                    case 1: bytes.remove(at: index)
                    default: bytes.insert(Array(#"{}[]",:0-e"#.utf8).randomElement(using: &generator)!, at: index)
                    }
                }
                do {
                    _ = try EventSchemas.validate(bytes)
                } catch {
                    // Refusing is fine; trapping is not.
                }
            }
        }
        for _ in 0..<300 {
            let bytes = (0..<Int.random(in: 0...64, using: &generator)).map { _ in
                UInt8.random(in: 0...255, using: &generator)
            }
            _ = try? EventSchemas.validate(bytes)
        }
    }

    @Test("schemas load once and validate concurrently")
    func concurrentValidation() async throws {
        let events = try EventType.allCases.map { try F.event($0, optionals: true) }
        let failures = try await withThrowingTaskGroup(of: Int.self) { group in
            for round in 0..<32 {
                group.addTask {
                    var failures = 0
                    for (index, bytes) in events.enumerated() where (index + round) % 2 == 0 || round % 3 == 0 {
                        if try !EventSchemas.validate(bytes).isEmpty { failures += 1 }
                    }
                    return failures
                }
            }
            return try await group.reduce(0, +)
        }
        #expect(failures == 0)
    }

    // MARK: AsyncAPI

    @Test("the AsyncAPI document lists every topic and every event schema")
    func asyncAPIDocumentIsComplete() throws {
        // The repository root is the nearest directory above this file holding docs/asyncapi.yaml.
        var directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        while !FileManager.default.fileExists(atPath: directory.appendingPathComponent("docs/asyncapi.yaml").path) {
            let parent = directory.deletingLastPathComponent()
            try #require(parent.path != directory.path, "docs/asyncapi.yaml not found above \(#filePath)")
            directory = parent
        }
        let document = try String(contentsOf: directory.appendingPathComponent("docs/asyncapi.yaml"), encoding: .utf8)
        #expect(document.hasPrefix("asyncapi: 3.0.0"))
        for topic in Topic.allCases {
            #expect(document.contains("address: \(topic.name(prefix: "clm"))\n"), "\(topic)")
        }
        for type in EventType.allCases {
            #expect(document.contains("../Shared/Contracts/Schemas/\(type.schemaFileName)"), "\(type)")
            #expect(document.contains(type.rawValue), "\(type)")
        }
    }
}

/// A small deterministic generator, so fuzz failures reproduce.
struct ContractsFuzzGenerator: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
