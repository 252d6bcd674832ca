/// The public-key algorithm families CLM supports.
public enum KeyAlgorithm: String, Sendable, Hashable, Codable, CaseIterable {
    case rsa
    case ec
    case ed25519
    case ed448
}
