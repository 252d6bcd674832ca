import CLMContracts
import CLMCrypto
import Foundation

/// Builds the downloadable bundle from a stored key: opens the sealed key and wraps it, with
/// its certificate and chain, in PKCS#12 or encrypted PEM.
protocol KeyBundleMaking: Sendable {
    func bundle(of key: IssuedKey, request: UUID, format: BundleFormat, password: String?) throws -> [UInt8]
}

/// What a key has once it is issued: everything the bundle holds.
struct IssuedKey: Sendable, Equatable {
    var sealedKey: [UInt8]
    var certificatePEM: String
    var chainPEM: String
}

struct KeyBundleMaker: KeyBundleMaking {
    let keys: KeyRing

    func bundle(of key: IssuedKey, request: UUID, format: BundleFormat, password: String?) throws -> [UInt8] {
        let sealed = try SealedKey(combinedBytes: key.sealedKey)
        let pkcs8 = try keys.open(sealed, associatedData: SealedKeyBinding.associatedData(request))
        let privateKey = try PrivateKey(pkcs8DER: pkcs8)
        switch format {
        case .pem:
            let keyPEM = try privateKey.pkcs8PEM(password: password)
            return Array((key.certificatePEM + key.chainPEM).utf8) + keyPEM.copyBytes()
        case .pkcs12:
            let p12 = try PKCS12.export(
                key: privateKey, certificate: try Certificate(pem: key.certificatePEM),
                chain: Certificate.parseChain(pem: key.chainPEM), password: password ?? "",
                friendlyName: request.uuidString)
            return p12.copyBytes()
        }
    }
}
