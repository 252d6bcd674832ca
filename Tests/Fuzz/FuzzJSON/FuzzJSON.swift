import CFuzzer
import CLMContracts
import Foundation

/// Hands the process to libFuzzer's driver (`CFuzzer.h` says why not libFuzzer's own `main`).
@main
enum FuzzJSON {
    static func main() { exit(clm_fuzz_main(CommandLine.argc, CommandLine.unsafeArgv)) }
}

/// libFuzzer entry: a JSON document from outside, through the two gates every one passes
/// (decision 0022).
///
/// Every HTTP body of every service is first held to `TextRule.standard.check(json:)` (the
/// strict parser, nesting at most 64 deep, then the rule for text on every string); every Kafka
/// message a consumer reads is checked with `EventSchemas.validate`, which parses it again and
/// runs the JSON Schema validator against the schema its `type` names. Both run on each input.
/// A document the parser accepts must also survive being written and read again unchanged.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    let bytes = Array(UnsafeRawBufferPointer(start: start, count: count))
    _ = try? TextRule.standard.check(json: bytes)
    if let violations = try? EventSchemas.validate(bytes) {
        _ = violations.map(\.description)
    }
    if let value = try? JSONValue.parse(bytes, maximumDepth: TextRule.maximumDepth) {
        let again = try? JSONValue.parse(value.serialized, maximumDepth: TextRule.maximumDepth)
        precondition(again == value, "a parsed JSON document does not survive serialized → parse")
    }
    return 0
}
