import CFuzzer
import CLMContracts
import CLMCrypto
import Foundation

/// Hands the process to libFuzzer's driver (`CFuzzer.h` says why not libFuzzer's own `main`).
@main
enum FuzzCSR {
    static func main() { exit(clm_fuzz_main(CommandLine.argc, CommandLine.unsafeArgv)) }
}

/// libFuzzer entry: a submitted CSR, as intake reads it (decision 0022).
///
/// Intake receives the CSR as a JSON string and hands `CertificationRequest.parse` either the
/// PEM text itself or the DER that a base64 text decodes to (`SubmissionRules.csrBytes`). Both
/// routes are driven: the raw input (PEM, DER or garbage, so the size, label and DER checks
/// and OpenSSL's `d2i_X509_REQ` all see it), and, when the input is text without a PEM
/// header, its base64 decoding.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    let bytes = Array(UnsafeRawBufferPointer(start: start, count: count))
    inspect(try? CertificationRequest.parse(bytes))
    if let text = String(validating: bytes, as: UTF8.self), !text.contains("-----BEGIN") {
        let compact = text.filter { !$0.isWhitespace }
        if let der = Data(base64Encoded: compact) {
            inspect(try? CertificationRequest.parse([UInt8](der)))
        }
    }
    return 0
}

/// Reads every part intake reads from an accepted request, so a broken value is touched.
///
/// The subject and the names in `discarded` come out of OpenSSL from attacker-chosen bytes and
/// reach the preview that intake answers with (and the console shows); they must keep the rule
/// for text every other string is held to (decision 0021), which OpenSSL's RFC 2253 escaping of
/// control and non-ASCII characters is relied on to ensure.
private func inspect(_ request: CertificationRequest?) {
    guard let request else { return }
    let key = request.publicKey
    _ = (key.algorithm.rawValue, key.bits, key.curve?.rawValue, key.spkiDER.count)
    for text in [request.requestedSubject] + request.discarded {
        let violation = TextRule.standard.violation(of: text, at: JSONPath())
        precondition(violation == nil, "text from a CSR breaks the rule for text: \(violation!)")
    }
}
