import CLMContracts
import Foundation

/// The two forms a key bundle is downloaded in.
enum BundleFormat: String, Sendable, CaseIterable {
    case pkcs12
    case pem

    var contentType: String {
        switch self {
        case .pkcs12: "application/x-pkcs12"
        case .pem: "application/x-pem-file"
        }
    }

    var fileExtension: String {
        switch self {
        case .pkcs12: "p12"
        case .pem: "pem"
        }
    }

    /// How people name the format (in events and logs).
    var displayName: String {
        switch self {
        case .pkcs12: "PKCS#12"
        case .pem: "PEM"
        }
    }
}

/// The rules for the password that protects a downloaded bundle.
enum BundlePassword {
    /// Shortest bundle password accepted.
    static let minimumLength = 12
    static let maximumLength = 1024

    /// Refuses a missing password for PKCS#12 and one outside the accepted length, before
    /// anything is opened. A PEM key may be downloaded unencrypted.
    static func check(_ password: String?, for format: BundleFormat) throws(Problem) {
        if format == .pkcs12 && password == nil {
            throw Problem.invalid("missing-password", "password: a PKCS#12 bundle needs a password")
        }
        if let password, password.count < minimumLength || password.count > maximumLength {
            throw Problem.invalid("weak-password", "password: must be \(minimumLength)...\(maximumLength) characters")
        }
    }
}

/// The limit on guesses of the password chosen at submission: a stolen token alone does not
/// get the key, and it cannot be guessed for long either.
enum DownloadAttempts {
    /// Wrong guesses of the chosen password before downloads of that key are refused.
    static let limit = 5

    static let locked = Problem.rateLimited(
        "\(limit) wrong passwords: downloads of this key are locked until its retention ends", retryAfter: 3600)

    static let wrongPassword = Problem.forbidden(
        "wrong-password", "the password is not the one chosen when the request was submitted")

    /// The audit detail of the `attempt`-th wrong guess (counting from 1).
    static func refusalDetail(attempt: Int) -> String { "wrong password (attempt \(attempt) of \(limit))" }
}

/// Binds a sealed key to its request, so a box copied to another row does not open.
enum SealedKeyBinding {
    static func associatedData(_ request: UUID) -> [UInt8] { Array("clm.keygen.\(request.lowercasedString)".utf8) }
}
