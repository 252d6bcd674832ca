import CFuzzer
import CLMContracts
import Foundation

/// Hands the process to libFuzzer's driver (`CFuzzer.h` says why not libFuzzer's own `main`).
@main
enum FuzzPolicy {
    static func main() { exit(clm_fuzz_main(CommandLine.argc, CommandLine.unsafeArgv)) }
}

/// libFuzzer entry: a policy or end-entity upload, as the registry reads it (decision 0022).
///
/// The same steps as `savePolicy`: the body through `TextRule.standard.check(json:)`, the
/// published schema (`PolicyDocument.schemaProblems`), decoding with the contracts' decoder and
/// the semantic checks (`validationProblems`). An end entity takes the same input through
/// decoding and its attribute checks, as `saveEntity` does. `now` is fixed so that a run can be
/// replayed: the public TLS validity limits depend on the date.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    let bytes = Array(UnsafeRawBufferPointer(start: start, count: count))
    guard (try? TextRule.standard.check(json: bytes)) != nil else { return 0 }
    let data = Data(bytes)
    if PolicyDocument.schemaProblems(bytes).isEmpty {
        do {
            let document = try ContractCoding.decoder().decode(PolicyDocument.self, from: data)
            _ = document.validationProblems(now: now)
        } catch DecodingError.dataCorrupted {
            // A number the schema allows (an integer has no size there) but Foundation's decoder
            // cannot hold, refused as "not valid JSON": the registry answers 400 malformed-body.
        } catch {
            // A missing member or a wrong type here means the schema and the type disagree.
            preconditionFailure("a policy the schema accepts does not decode: \(error)")
        }
    }
    if let entity = try? ContractCoding.decoder().decode(EndEntity.self, from: data) {
        _ = entity.attributes.validationProblems()
    }
    return 0
}

/// 2026-03-01T00:00:00Z.
private let now = Date(timeIntervalSince1970: 1_772_323_200)
