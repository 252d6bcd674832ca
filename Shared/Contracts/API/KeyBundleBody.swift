/// The body of `POST /v1/realms/{realm}/requests/{id}/key-bundle`: the password chosen at
/// submission, when one was.
public struct KeyBundleBody: Codable, Sendable, Equatable {
    public var password: String?

    public init(password: String? = nil) { self.password = password }
}
