import CFuzzer
import CLMCrypto
import Foundation

/// Hands the process to libFuzzer's driver (`CFuzzer.h` says why not libFuzzer's own `main`).
@main
enum FuzzPEM {
    static func main() { exit(clm_fuzz_main(CommandLine.argc, CommandLine.unsafeArgv)) }
}

/// libFuzzer entry: PEM text (decision 0022).
///
/// The input, when it is UTF-8, goes through every PEM reader that is handed text from
/// outside: `PEM.decodeAll` (framing, labels, headers, base64), a chain file as the CLI
/// and the tests read one (`Certificate.parseChain`, each `CERTIFICATE` block through OpenSSL),
/// and a `PUBLIC KEY` block (`PublicKeyInfo(pem:)`, which validates the key).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    let bytes = UnsafeRawBufferPointer(start: start, count: count)
    guard let text = String(validating: bytes, as: UTF8.self) else { return 0 }
    if let blocks = try? PEM.decodeAll(text) {
        for block in blocks {
            // A decoded block written again must read back as the same block.
            let again = try? PEM.decodeAll(PEM.encode(label: block.label, der: block.der))
            precondition(again == [block], "PEM block does not survive encode → decode")
        }
    }
    for certificate in Certificate.parseChain(pem: text) {
        _ = (certificate.pem, certificate.fingerprintSHA256Hex)
    }
    if let key = try? PublicKeyInfo(pem: text) {
        _ = (key.algorithm, key.bits, key.spkiDER.count)
    }
    return 0
}
