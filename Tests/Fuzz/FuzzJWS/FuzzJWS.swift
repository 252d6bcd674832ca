import CFuzzer
import CLMContracts
import CLMCrypto
import Foundation

@testable import CLMIdentity

/// Hands the process to libFuzzer's driver (`CFuzzer.h` says why not libFuzzer's own `main`).
@main
enum FuzzJWS {
    static func main() { exit(clm_fuzz_main(CommandLine.argc, CommandLine.unsafeArgv)) }
}

/// libFuzzer entry: a bearer token, as `BearerAuthenticator` handles one (decision 0022).
///
/// The first byte picks what the rest is. Even: the value of an `Authorization` header, taken
/// apart by `BearerAuthenticator.bearerToken`, its `kid` read unverified (`keyID(of:)`, which
/// parses the compact JWS and its header), then verified by `TokenVerifier.verify` against a
/// fixed key set. Odd: the claims of a token that this harness signs with the key set's ES256
/// key, so the claim checks, which run only once a signature verifies, see fuzzed JSON too
/// (the signature proves only that the provider wrote them; the provider may be wrong).
/// The clock is fixed, so the committed seed tokens stay valid.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    let bytes = Array(UnsafeRawBufferPointer(start: start, count: count))
    guard let mode = bytes.first else { return 0 }
    let rest = Array(bytes.dropFirst())
    if mode & 1 == 0 {
        guard let header = String(validating: rest, as: UTF8.self),
            let token = try? BearerAuthenticator.bearerToken(from: header),
            (try? verifier.keyID(of: token)) != nil
        else { return 0 }
        _ = try? verifier.verify(token, keys: keys.set, now: now)
    } else {
        let header = Array(#"{"alg":"ES256","typ":"JWT","kid":"fuzz-es256"}"#.utf8)
        guard let token = try? keys.signer.sign(headerJSON: header, claimsJSON: rest) else {
            preconditionFailure("the fuzzing key could not sign")
        }
        _ = try? verifier.verify(token, keys: keys.set, now: now)
    }
    return 0
}

/// 2026-03-01T00:00:00Z: the seed tokens expire in 2033.
private let now = Date(timeIntervalSince1970: 1_772_323_200)
private let verifier = TokenVerifier(issuer: "https://idp.fuzz.example", audience: "clm")

/// Two fixed keys (ES256 `fuzz-es256`, EdDSA `fuzz-ed25519`), so a `kid` is needed to choose
/// and the committed seeds carry valid signatures. Made for fuzzing only; they guard nothing.
private let keys: (set: JSONWebKeySet, signer: TokenSigner) = {
    // PKCS#8 DER, base64.
    let es256 =
        "MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgh5p2WTMtVAaeUZw5kPH73POVkaR5+dld"
        + "nn6NabnXJTyhRANCAAReRbCSsVk1Fman3bQ2DFWrRgEIvlXUBIXh18dY6tOMtuebBNtpHNXqL7BpUqh7"
        + "Qm95NfwVgsqXJsKmUyjyxoXn"
    let ed25519 = "MC4CAQAwBQYDK2VwBCIEIEb0IwqL7ii9HGHMUjg2LT1wFCwOsi/1sw2D+WQxHlvD"
    do {
        let ecKey = try PrivateKey(pkcs8DER: [UInt8](Data(base64Encoded: es256)!))
        let edKey = try PrivateKey(pkcs8DER: [UInt8](Data(base64Encoded: ed25519)!))
        let set = try JSONWebKeySet(keys: [
            JSONWebKey(publicKey: ecKey.publicKey, keyID: "fuzz-es256"),
            JSONWebKey(publicKey: edKey.publicKey, keyID: "fuzz-ed25519"),
        ])
        return (set, TokenSigner(privateKey: ecKey, algorithm: .es256, keyID: "fuzz-es256"))
    } catch {
        fatalError("the fuzzing keys could not be loaded: \(error)")
    }
}()
