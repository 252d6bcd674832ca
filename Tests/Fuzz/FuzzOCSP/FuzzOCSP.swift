import CFuzzer
import CLMCrypto
import Foundation

/// Hands the process to libFuzzer's driver (`CFuzzer.h` says why not libFuzzer's own `main`).
@main
enum FuzzOCSP {
    static func main() { exit(clm_fuzz_main(CommandLine.argc, CommandLine.unsafeArgv)) }
}

/// libFuzzer entry: an OCSP request from anyone on the network, as the CA gateway answers it
/// (decision 0022).
///
/// The input is the DER body of `POST …/ocsp` (the GET form decodes to the same bytes).
/// `OCSPRequest(der:)` parses it; a request that parses is answered the way
/// `CertificateAuthority.ocspResponse` does, by a CA made when the harness starts: `good` for
/// a CertID it issued, `unknown` otherwise, the client's nonce echoed, and the response signed.
/// That puts the attacker-chosen CertIDs and nonce through the response builder as well.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    let bytes = Array(UnsafeRawBufferPointer(start: start, count: count))
    guard let request = try? OCSPRequest(der: bytes) else { return 0 }
    let now = Date()
    let answers = request.certIDs.map { id in
        OCSPResponseBuilder.Answer(certID: id, status: id.isIssued(by: authority.certificate) ? .good : .unknown)
    }
    do {
        _ = try OCSPResponseBuilder(
            thisUpdate: now, nextUpdate: now.addingTimeInterval(3600), answers: answers, nonce: request.nonce
        ).sign(issuer: authority.certificate, issuerKey: authority.key)
    } catch {
        // A request that parses must be answerable: the gateway would answer internalError.
        preconditionFailure("a parsed OCSP request could not be answered: \(error)")
    }
    return 0
}

/// The responding CA: a self-signed EC P-256 CA, made once per process.
private let authority: (certificate: Certificate, key: PrivateKey) = {
    do {
        let key = try PrivateKey.generate(.ec(curve: .p256))
        let certificate = try CertificateBuilder(
            subject: DistinguishedName([(.organization, "CLM Fuzz"), (.commonName, "CLM Fuzz CA")]),
            publicKey: key.publicKey, notBefore: Date(), notAfter: Date().addingTimeInterval(86_400),
            profile: .rootCA
        ).issue(issuer: nil, issuerKey: key)
        return (certificate, key)
    } catch {
        fatalError("the fuzzing CA could not be made: \(error)")
    }
}()
