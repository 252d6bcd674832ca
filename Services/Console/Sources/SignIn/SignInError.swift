import CLMServiceKit

/// Why a sign-in did not happen, in words for the person and a stable code.
enum SignInError: Error, Sendable {
    /// The identity provider could not be reached.
    case unreachable(String)
    /// The identity provider answered something unusable.
    case provider(String)
    /// What came back does not prove who the person is (state, nonce, token checks).
    case rejected(String)

    var apiError: APIError {
        switch self {
        case .unreachable(let detail): APIError(.badGateway, code: "identity-provider-unreachable", detail: detail)
        case .provider(let detail): APIError(.badGateway, code: "identity-provider-error", detail: detail)
        case .rejected(let detail): APIError(.unauthorized, code: "sign-in-rejected", detail: detail)
        }
    }

    var detail: String {
        switch self {
        case .unreachable(let text), .provider(let text), .rejected(let text): text
        }
    }
}
