import Foundation
import Testing

@testable import CLMContracts

/// The validator, keyword by keyword.
@Suite("JSON Schema validator")
struct ContractsJSONSchemaTests {
    typealias Value = JSONSchema.Value

    private func schema(_ text: String) throws -> JSONSchema {
        try JSONSchema(json: Array(text.utf8))
    }

    /// Paths of the violations `instance` (JSON text) produces.
    private func paths(_ schema: JSONSchema, _ instance: String) throws -> [String] {
        try schema.validate(Array(instance.utf8)).map(\.path)
    }

    private func valid(_ schema: JSONSchema, _ instance: String) throws -> Bool {
        try schema.validate(Array(instance.utf8)).isEmpty
    }

    // MARK: Parsing JSON

    @Test("booleans and numbers are told apart")
    func booleansAreNotNumbers() throws {
        #expect(
            try Value.parse(Array("[true,false,1,0,1.5,-0]".utf8))
                == .array([.bool(true), .bool(false), .number(1), .number(0), .number(1.5), .number(0)]))
        #expect(try Value.parse(Array("true".utf8)) == .bool(true))
        #expect(try Value.parse(Array("0".utf8)) == .number(0))
        // One parser for tokens and documents: duplicate member names are refused, not "last wins".
        #expect(throws: JSONSchema.Error.self) { try Value.parse(Array(#"{"a":1,"a":2}"#.utf8)) }

        let boolean = try schema(#"{"type":"boolean"}"#)
        #expect(try valid(boolean, "true"))
        #expect(try valid(boolean, "false"))
        #expect(try paths(boolean, "1") == [""])
        #expect(try paths(boolean, "0") == [""])
        let integer = try schema(#"{"type":"integer"}"#)
        #expect(try paths(integer, "true") == [""])
        #expect(try paths(integer, "false") == [""])
        let number = try schema(#"{"type":"number"}"#)
        #expect(try paths(number, "true") == [""])
        #expect(try valid(try schema(#"{"const":true}"#), "true"))
        #expect(try paths(try schema(#"{"const":true}"#), "1") == [""])
        #expect(try paths(try schema(#"{"const":1}"#), "true") == [""])
        #expect(try paths(try schema(#"{"enum":[0]}"#), "false") == [""])
        #expect(try paths(try schema(#"{"enum":[false]}"#), "0") == [""])
    }

    @Test("invalid JSON and invalid schemas are errors")
    func errors() throws {
        #expect(throws: JSONSchema.Error.self) { try JSONSchema(json: Array("{".utf8)) }
        #expect(throws: JSONSchema.Error.self) { try JSONSchema(json: Array("42".utf8)) }
        #expect(throws: JSONSchema.Error.invalidSchema(path: "/type", reason: "unknown type 'text'")) {
            try JSONSchema(json: Array(#"{"type":"text"}"#.utf8))
        }
        #expect(throws: JSONSchema.Error.self) { try JSONSchema(json: Array(#"{"pattern":"(["}"#.utf8)) }
        #expect(throws: JSONSchema.Error.self) { try JSONSchema(json: Array(#"{"minLength":-1}"#.utf8)) }
        #expect(throws: JSONSchema.Error.self) { try JSONSchema(json: Array(#"{"minimum":"1"}"#.utf8)) }
        #expect(throws: JSONSchema.Error.self) { try JSONSchema(json: Array(#"{"required":[1]}"#.utf8)) }
        #expect(throws: JSONSchema.Error.self) { try JSONSchema(json: Array(#"{"$ref":"other.json#/x"}"#.utf8)) }
        #expect(
            throws: JSONSchema.Error.invalidSchema(
                path: "/properties/a/$ref", reason: "unresolved reference to '#/$defs/Missing'")
        ) {
            try JSONSchema(json: Array(##"{"properties":{"a":{"$ref":"#/$defs/Missing"}}}"##.utf8))
        }
        let any = try schema("{}")
        #expect(throws: JSONSchema.Error.self) { try any.validate(Array("nope".utf8)) }
    }

    // MARK: Keywords

    @Test("type: single names, lists, and integer meaning no fraction")
    func type() throws {
        let cases: [(String, String, Bool)] = [
            ("string", #""x""#, true), ("string", "1", false),
            ("integer", "3", true), ("integer", "3.0", true), ("integer", "3.5", false), ("integer", "-7", true),
            ("integer", "1e300", true), ("integer", "123456789012345678901234567890", true),
            ("number", "3.5", true), ("number", "3", true), ("number", #""3""#, false),
            ("null", "null", true), ("null", "0", false), ("null", "false", false),
            ("array", "[]", true), ("array", "{}", false),
            ("object", "{}", true), ("object", "[]", false), ("object", "null", false),
        ]
        for (type, instance, expected) in cases {
            #expect(try valid(try schema(#"{"type":"\#(type)"}"#), instance) == expected, "\(type) \(instance)")
        }
        let either = try schema(#"{"type":["string","null"]}"#)
        #expect(try valid(either, "null"))
        #expect(try valid(either, #""a""#))
        #expect(
            try either.validate(Array("1".utf8)) == [.init(path: "", reason: "expected string or null, got integer")])
    }

    @Test("properties, required and additionalProperties, with paths")
    func objects() throws {
        let person = try schema(
            #"""
            {"type":"object","required":["name","address"],"additionalProperties":false,
             "properties":{"name":{"type":"string"},
                           "address":{"type":"object","required":["city"],"additionalProperties":false,
                                      "properties":{"city":{"type":"string"},"zip":{"type":"string"}}}}}
            """#)
        #expect(try valid(person, #"{"name":"a","address":{"city":"b"}}"#))
        #expect(try valid(person, #"{"name":"a","address":{"city":"b","zip":"1"}}"#))
        #expect(
            try person.validate(Array(#"{"address":{}}"#.utf8)) == [
                .init(path: "/name", reason: "required property is missing"),
                .init(path: "/address/city", reason: "required property is missing"),
            ])
        #expect(
            try person.validate(Array(#"{"name":"a","address":{"city":"b","street":"c"},"age":3}"#.utf8)) == [
                .init(path: "/address/street", reason: "unexpected property"),
                .init(path: "/age", reason: "unexpected property"),
            ])
        #expect(try paths(person, #"{"name":1,"address":{"city":[]}}"#) == ["/address/city", "/name"])
        // Extra properties are fine unless forbidden, and can be given a schema.
        #expect(try valid(try schema(#"{"properties":{"a":{"type":"string"}}}"#), #"{"a":"x","b":1}"#))
        let typedExtras = try schema(#"{"properties":{"a":{}},"additionalProperties":{"type":"integer"}}"#)
        #expect(try paths(typedExtras, #"{"a":"x","b":1,"c":"y"}"#) == ["/c"])
        // Property names are escaped as JSON-pointer tokens.
        let weird = try schema(#"{"properties":{"a/b~c":{"type":"string"}}}"#)
        #expect(try paths(weird, #"{"a/b~c":1}"#) == ["/a~1b~0c"])
        // Keywords for objects ignore other types.
        #expect(try valid(try schema(#"{"required":["a"]}"#), "[1]"))
    }

    @Test("items, minItems, maxItems")
    func arrays() throws {
        let list = try schema(#"{"type":"array","items":{"type":"integer","minimum":1},"minItems":1,"maxItems":3}"#)
        #expect(try valid(list, "[1,2,3]"))
        #expect(try paths(list, "[]") == [""])
        #expect(try paths(list, "[1,2,3,4]") == [""])
        #expect(try paths(list, #"[1,"2",0]"#) == ["/1", "/2"])
        let nested = try schema(#"{"items":{"items":{"type":"string"}}}"#)
        #expect(try paths(nested, #"[["a"],["b",1]]"#) == ["/1/1"])
    }

    @Test("enum and const compare JSON values")
    func enumAndConst() throws {
        let colour = try schema(#"{"enum":["red","green",null,1]}"#)
        for instance in [#""red""#, "null", "1", "1.0"] { #expect(try valid(colour, instance), "\(instance)") }
        #expect(
            try colour.validate(Array(#""blue""#.utf8)) == [
                .init(path: "", reason: #""blue" is not one of "red", "green", null, 1"#)
            ])
        #expect(try paths(colour, "true") == [""])
        let fixed = try schema(#"{"const":{"a":[1,"x"]}}"#)
        #expect(try valid(fixed, #"{"a":[1,"x"]}"#))
        #expect(try paths(fixed, #"{"a":["x",1]}"#) == [""])
        #expect(try paths(fixed, #"{"a":[1,"x"],"b":0}"#) == [""])
    }

    @Test("minLength and maxLength count code points")
    func lengths() throws {
        let short = try schema(#"{"type":"string","minLength":2,"maxLength":3}"#)
        #expect(try valid(short, #""ab""#))
        #expect(try valid(short, #""äöü""#))
        #expect(try valid(short, #""😀😀""#))  // 2 code points, 4 UTF-16 units
        #expect(try paths(short, #""a""#) == [""])
        #expect(try paths(short, #""abcd""#) == [""])
        #expect(try paths(short, #""""#) == [""])
    }

    @Test("minimum and maximum are inclusive")
    func bounds() throws {
        let percent = try schema(#"{"type":"number","minimum":0,"maximum":100}"#)
        for instance in ["0", "100", "50.5"] { #expect(try valid(percent, instance), "\(instance)") }
        for instance in ["-0.001", "100.5", "1e308", "-1e308"] {
            #expect(try paths(percent, instance) == [""], "\(instance)")
        }
        let reason = try percent.validate(Array("101".utf8)).first?.reason
        #expect(reason == "101 is greater than the maximum 100")
    }

    @Test("pattern searches unless anchored")
    func pattern() throws {
        let unanchored = try schema(#"{"pattern":"b+"}"#)
        #expect(try valid(unanchored, #""abbbc""#))
        #expect(try paths(unanchored, #""ac""#) == [""])
        #expect(try valid(unanchored, "3"))  // pattern applies to strings only
        let realm = try schema(#"{"type":"string","pattern":"^[a-z0-9][a-z0-9-]{0,62}$"}"#)
        #expect(try valid(realm, #""acme-corp""#))
        #expect(try valid(realm, #""a""#))
        for bad in ["", "-acme", "Acme", "acme corp", "acme\nx", String(repeating: "a", count: 64)] {
            let text = try String(decoding: JSONEncoder().encode(bad), as: UTF8.self)
            #expect(try paths(realm, text) == [""], "\(bad)")
        }
        #expect(try valid(realm, "\"" + String(repeating: "a", count: 63) + "\""))
    }

    @Test("format uuid")
    func uuidFormat() throws {
        let uuid = try schema(#"{"type":"string","format":"uuid"}"#)
        #expect(try valid(uuid, #""6F1C2A4E-3B7D-4E21-9A0C-5D8E7F6A1B2C""#))
        #expect(try valid(uuid, #""6f1c2a4e-3b7d-4e21-9a0c-5d8e7f6a1b2c""#))
        #expect(try valid(uuid, "\"\(UUID().uuidString)\""))
        for bad in [
            "", "6F1C2A4E3B7D4E219A0C5D8E7F6A1B2C", "{6F1C2A4E-3B7D-4E21-9A0C-5D8E7F6A1B2C}",
            "6F1C2A4E-3B7D-4E21-9A0C-5D8E7F6A1B2C0", "6F1C2A4E-3B7D-4E21-9A0C_5D8E7F6A1B2C",
            "ZF1C2A4E-3B7D-4E21-9A0C-5D8E7F6A1B2C", "6F1C2A4E-3B7D-4E21-9A0C-5D8E7F6A1BéC",
        ] {
            #expect(try paths(uuid, "\"\(bad)\"") == [""], "\(bad)")
        }
        // Unknown formats are annotations.
        #expect(try valid(try schema(#"{"format":"hostname"}"#), #""not a host!""#))
    }

    @Test("format date-time is RFC 3339")
    func dateTimeFormat() throws {
        let dateTime = try schema(#"{"type":"string","format":"date-time"}"#)
        for good in [
            "2025-03-14T09:26:53Z", "2025-03-14T09:26:53.589Z", "2025-03-14t09:26:53z",
            "2024-02-29T23:59:60+01:00", "2025-12-31T00:00:00.123456789-05:30",
            ContractCoding.formatTimestamp(Date()),
        ] {
            #expect(try valid(dateTime, "\"\(good)\""), "\(good)")
        }
        for bad in [
            "", "2025-03-14", "2025-03-14T09:26Z", "2025-03-14 09:26:53Z", "2025-03-14T09:26:53",
            "2025-13-01T00:00:00Z", "2025-02-29T00:00:00Z", "2025-04-31T00:00:00Z", "2025-03-14T24:00:00Z",
            "2025-03-14T09:60:00Z", "2025-03-14T09:26:61Z", "2025-03-14T09:26:53.Z",
            "2025-03-14T09:26:53+0100", "2025-03-14T09:26:53Z ", "25-03-14T09:26:53Z",
            "2025-03-14T09:26:53+24:00", "２025-03-14T09:26:53Z",
        ] {
            #expect(try paths(dateTime, "\"\(bad)\"") == [""], "\(bad)")
        }
        #expect(JSONSchema.isDateTime("2000-02-29T00:00:00Z"))
        #expect(!JSONSchema.isDateTime("1900-02-29T00:00:00Z"))
    }

    @Test("$ref resolves into $defs, also recursively, and loops are cut off")
    func references() throws {
        let tree = try schema(
            #"""
            {"$defs":{"Node":{"type":"object","additionalProperties":false,"required":["value"],
                              "properties":{"value":{"type":"integer"},
                                            "children":{"type":"array","items":{"$ref":"#/$defs/Node"}}}}},
             "$ref":"#/$defs/Node"}
            """#)
        #expect(try valid(tree, #"{"value":1,"children":[{"value":2},{"value":3,"children":[]}]}"#))
        #expect(
            try paths(tree, #"{"value":1,"children":[{"value":2},{"value":"3","children":[{"x":1}]}]}"#)
                == ["/children/1/children/0/value", "/children/1/children/0/x", "/children/1/value"])
        let loop = try schema(##"{"$defs":{"A":{"$ref":"#/$defs/A"}},"$ref":"#/$defs/A"}"##)
        #expect(try loop.validate(Array("1".utf8)).map(\.reason) == ["nested too deeply"])
    }

    @Test("boolean schemas and ignored keywords")
    func booleanSchemasAndAnnotations() throws {
        #expect(try valid(try schema("true"), "[1]"))
        #expect(try paths(try schema("false"), "1") == [""])
        let annotated = try schema(
            #"{"$schema":"https://json-schema.org/draft/2020-12/schema","$id":"x","title":"t","description":"d","examples":[1],"type":"integer"}"#
        )
        #expect(try valid(annotated, "1"))
        #expect(try paths(annotated, "1.5") == [""])
    }

    @Test("violations describe themselves")
    func violationDescription() {
        #expect(JSONSchema.Violation(path: "/data/x", reason: "boom").description == "/data/x: boom")
        #expect(JSONSchema.Violation(path: "", reason: "boom").description == "/: boom")
    }
}
