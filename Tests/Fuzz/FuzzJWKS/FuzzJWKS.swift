import CFuzzer
import CLMIdentity
import Foundation

/// Hands the process to libFuzzer's driver (`CFuzzer.h` says why not libFuzzer's own `main`).
@main
enum FuzzJWKS {
    static func main() { exit(clm_fuzz_main(CommandLine.argc, CommandLine.unsafeArgv)) }
}

/// libFuzzer entry: an identity provider's key set document, as `KeySetCache` reads what it
/// fetched (decision 0022).
///
/// `JSONWebKeySet(json:)` parses it (size and depth limits, the strict JSON parser, each JWK's
/// members, the key material through OpenSSL, duplicate `kid`s). A set that parses must come
/// back the same from its own JWKS document: same `kid`s, algorithms and thumbprints.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    let bytes = Array(UnsafeRawBufferPointer(start: start, count: count))
    guard let set = try? JSONWebKeySet(json: bytes) else { return 0 }
    let again: JSONWebKeySet
    do {
        again = try JSONWebKeySet(json: set.json)
    } catch {
        preconditionFailure("a key set does not parse from its own JWKS document: \(error)")
    }
    let summary = { (set: JSONWebKeySet) in set.keys.map { [$0.keyID, $0.algorithm.rawValue, $0.thumbprint] } }
    precondition(summary(set) == summary(again), "a key set changes when written and read again")
    return 0
}
