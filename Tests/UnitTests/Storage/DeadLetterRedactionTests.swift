import CLMContracts
import Foundation
import Testing

@testable import CLMStorage

@Suite("Dead-letter redaction")
struct DeadLetterRedactionTests {
    static func envelope(type: String, data: String) -> [UInt8] {
        Array(
            #"{"specversion":"1.0","id":"\#(UUID().uuidString)","source":"/t","type":"\#(type)","subject":"s","time":"2026-01-01T00:00:00Z","realm":"r","data":\#(data)}"#
                .utf8)
    }

    @Test("a command's declared credential fields are replaced, the rest kept")
    func command() throws {
        let copy = String(
            decoding: DeadLetter.redacted(
                Self.envelope(
                    type: "clm.request.submit.v1",
                    data: #"{"token":"eyJ.secret","keyPassword":"hunter22hunter","policy":"p"}"#)),
            as: UTF8.self)
        #expect(!copy.contains("eyJ.secret") && !copy.contains("hunter22hunter"))
        #expect(copy.contains("[redacted]") && copy.contains("\"policy\":\"p\""))
    }

    @Test("a type without credential fields is copied unchanged, even with a field called token")
    func unchanged() {
        let bytes = Self.envelope(type: "clm.request.failed.v1", data: #"{"token":"not a credential here"}"#)
        #expect(DeadLetter.redacted(bytes) == bytes)
    }

    @Test("bytes whose type cannot be told are searched for every declared field; unparsable ones are dropped")
    func unknown() {
        let unknownType = String(
            decoding: DeadLetter.redacted(Self.envelope(type: "x.y", data: #"{"token":"eyJ.secret"}"#)), as: UTF8.self)
        #expect(!unknownType.contains("eyJ.secret"))
        let garbage = String(decoding: DeadLetter.redacted(Array(#"{"token": "eyJ.secret""#.utf8)), as: UTF8.self)
        #expect(!garbage.contains("eyJ.secret") && garbage.contains("redacted"))
    }

    @Test("a schema violation of a credential field is described without its value")
    func violationText() throws {
        let header = try EventHeader.decode(Self.envelope(type: "clm.request.submit.v1", data: "{}"))
        let text = EventProcessor.describe(
            [
                .init(path: "/data/token", reason: "\"eyJ.secret\" does not match ^x$"),
                .init(path: "/data/entities", reason: "expected array, got string"),
            ], of: header)
        #expect(!text.contains("eyJ.secret"))
        #expect(text == "/data/token: invalid (value withheld); /data/entities: expected array, got string")
    }
}
