import Foundation

/// The JSON Schemas of CLM's events (`Schemas/<event type>.schema.json`, each describing the
/// whole CloudEvent envelope with that type's `data`), and validation of raw Kafka message
/// values against them — what a consumer uses to reject a poison message before decoding it.
///
/// Schemas are loaded from the module's resources once, on first use, and shared.
public enum EventSchemas {
    public enum Error: Swift.Error, Sendable, Equatable, CustomStringConvertible {
        /// The message is not JSON.
        case invalidJSON(String)
        /// The message is JSON but not an object with a string `type` member.
        case notAnEvent(String)
        /// The `type` names no event type this build knows.
        case unknownEventType(String)
        /// The schema file is missing from the bundle, or is not a valid schema (a build problem).
        case schemaUnavailable(EventType, String)

        public var description: String {
            switch self {
            case .invalidJSON(let reason): "event is not valid JSON: \(reason)"
            case .notAnEvent(let reason): "not a CloudEvent: \(reason)"
            case .unknownEventType(let type): "unknown event type '\(type)'"
            case .schemaUnavailable(let type, let reason): "schema of '\(type.rawValue)' unavailable: \(reason)"
            }
        }
    }

    /// The compiled schema of `type`.
    public static func schema(for type: EventType) throws(EventSchemas.Error) -> JSONSchema {
        guard let loaded = cache[type] else {
            throw .schemaUnavailable(type, "not loaded")
        }
        return try loaded.get()
    }

    /// Validates one event (a Kafka message value) against the schema its `type` names.
    /// Returns the violations (empty: the event conforms); throws when the bytes are not a
    /// JSON object with a known string `type`. Never traps, whatever the input.
    public static func validate(_ eventBytes: [UInt8]) throws(EventSchemas.Error) -> [JSONSchema.Violation] {
        let value: JSONSchema.Value
        do {
            value = try JSONSchema.Value.parse(eventBytes)
        } catch {
            throw .invalidJSON(error.description)
        }
        return try validate(value)
    }

    /// Validates an already parsed event.
    public static func validate(_ event: JSONSchema.Value) throws(EventSchemas.Error) -> [JSONSchema.Violation] {
        guard case .object(let members) = event else {
            throw .notAnEvent("expected a JSON object, got \(event.typeName)")
        }
        guard let typeMember = members["type"] else {
            throw .notAnEvent("the 'type' member is missing")
        }
        guard case .string(let typeName) = typeMember else {
            throw .notAnEvent("the 'type' member is not a string")
        }
        guard let type = EventType(rawValue: typeName) else {
            throw .unknownEventType(typeName)
        }
        return try schema(for: type).validate(event)
    }

    // MARK: Loading

    /// Every schema, compiled once (a static `let` is initialised lazily and thread-safely).
    private static let cache: [EventType: Result<JSONSchema, EventSchemas.Error>] = {
        var schemas: [EventType: Result<JSONSchema, EventSchemas.Error>] = [:]
        for type in EventType.allCases {
            schemas[type] = Result { () throws(EventSchemas.Error) -> JSONSchema in try load(type) }
        }
        return schemas
    }()

    private static func load(_ type: EventType) throws(EventSchemas.Error) -> JSONSchema {
        let bytes = try schemaBytes(for: type)
        do {
            return try JSONSchema(json: bytes)
        } catch {
            throw .schemaUnavailable(type, error.description)
        }
    }

    /// Location of the schema files inside the module's resource bundle.
    ///
    /// `Bundle.module` traps when it finds no bundle, which happens when a deployment ships
    /// the executable without its `<package>_CLMContracts.resources` directory. So it is only
    /// asked when the bundle sits next to the executable (where it looks first) or when this
    /// file's source tree exists (a development machine, where it falls back to the build
    /// directory); otherwise the schemas are reported unavailable instead.
    static let schemaDirectory: URL? = {
        let files = FileManager.default
        let main = Bundle.main
        let besideExecutable = [
            main.bundleURL.appendingPathComponent(resourceBundleName + ".resources"),  // Linux
            main.bundleURL.appendingPathComponent(resourceBundleName + ".bundle"),  // macOS
            main.resourceURL?.appendingPathComponent(resourceBundleName + ".bundle"),
        ].compactMap { $0 }
        let sourceTree = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Schemas")
        guard
            besideExecutable.contains(where: { files.fileExists(atPath: $0.path) })
                || files.fileExists(atPath: sourceTree.path)
        else { return nil }
        return Bundle.module.url(forResource: "Schemas", withExtension: nil)
    }()

    /// SwiftPM names the resource bundle `<package>_<target>`.
    static let resourceBundleName = "clm_CLMContracts"

    /// The raw JSON text of `type`'s schema file.
    static func schemaBytes(for type: EventType) throws(EventSchemas.Error) -> [UInt8] {
        guard let directory = schemaDirectory else {
            throw .schemaUnavailable(
                type, "resource bundle \(resourceBundleName) not found: ship it next to the executable")
        }
        let url = directory.appendingPathComponent(type.schemaFileName)
        do {
            return Array(try Data(contentsOf: url))
        } catch {
            throw .schemaUnavailable(type, "cannot read \(type.schemaFileName): \(error.localizedDescription)")
        }
    }

    /// Names of all files in the Schemas directory (so tests can spot strays).
    static func schemaFileNames() -> [String] {
        guard let directory = schemaDirectory,
            let names = try? FileManager.default.contentsOfDirectory(atPath: directory.path)
        else { return [] }
        return names.sorted()
    }
}
