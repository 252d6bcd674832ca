/// The body of `POST /v1/realms/{realm}/approvals/{id}/approve`.
public struct ApproveBody: Codable, Sendable, Equatable {
    public var comment: String?

    public init(comment: String? = nil) { self.comment = comment }
}

/// The body of `POST /v1/realms/{realm}/approvals/{id}/decline`: a decline says why.
public struct DeclineBody: Codable, Sendable, Equatable {
    public var reason: String

    public init(reason: String) { self.reason = reason }
}
