/// An error from the crypto module.
///
/// Compare errors by ``code`` (equality looks at the code only); ``reason`` is for humans.
/// Neither the description nor the reason ever contains key bytes, plaintext or passwords,
/// so an error can be logged or returned to a user as is.
public struct CryptoError: Error, Sendable, Equatable, CustomStringConvertible {
    /// A stable, machine-readable error code.
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        private enum Backing: String, Sendable, Hashable {
            case malformedInput
            case badSignature
            case unsupportedAlgorithm
            case weakKey
            case decryptionFailed
            case keyMismatch
            case internalError
        }

        private let backing: Backing

        private init(_ backing: Backing) {
            self.backing = backing
        }

        /// Input could not be parsed (garbage, truncated, wrong PEM label, too large, bad value).
        public static let malformedInput = Code(.malformedInput)
        /// A signature (e.g. a CSR's proof of possession) did not verify.
        public static let badSignature = Code(.badSignature)
        /// The key type, curve or parameter is not one this module supports.
        public static let unsupportedAlgorithm = Code(.unsupportedAlgorithm)
        /// The key is too weak (RSA modulus too short, bad public exponent, invalid EC point).
        public static let weakKey = Code(.weakKey)
        /// Authenticated decryption failed: wrong key, wrong key id, wrong associated data, or tampering.
        public static let decryptionFailed = Code(.decryptionFailed)
        /// A private key does not belong to the certificate or public key it was paired with.
        public static let keyMismatch = Code(.keyMismatch)
        /// OpenSSL failed in a way the caller cannot fix.
        public static let internalError = Code(.internalError)

        /// The code's stable name, e.g. `"weakKey"`.
        public var description: String { backing.rawValue }
    }

    /// What kind of failure this is.
    public let code: Code
    /// A human-readable explanation; never contains secrets.
    public let reason: String
    /// Where the error was raised (for debugging).
    public let file: String
    /// The line the error was raised on.
    public let line: Int

    /// Creates an error with a code and a reason.
    public init(_ code: Code, _ reason: String, file: String = #fileID, line: Int = #line) {
        self.code = code
        self.reason = reason
        self.file = file
        self.line = line
    }

    public static let malformedInput = Code.malformedInput
    public static let badSignature = Code.badSignature
    public static let unsupportedAlgorithm = Code.unsupportedAlgorithm
    public static let weakKey = Code.weakKey
    public static let decryptionFailed = Code.decryptionFailed
    public static let keyMismatch = Code.keyMismatch
    public static let internalError = Code.internalError

    public var description: String { "CryptoError.\(code): \(reason)" }

    public static func == (lhs: CryptoError, rhs: CryptoError) -> Bool {
        lhs.code == rhs.code
    }
}
