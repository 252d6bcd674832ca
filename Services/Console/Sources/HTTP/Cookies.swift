import HTTPTypes
import Hummingbird

/// The console's two cookies: the session id, and the state of a sign-in under way (which
/// binds the identity provider's callback to the browser that started it).
struct Cookies: Sendable {
    static let session = "clm_console"
    static let signIn = "clm_console_signin"

    /// `Secure` when the console is reached over HTTPS.
    let secure: Bool

    static func value(_ name: String, in request: Request) -> String? {
        for header in request.headers[values: .cookie] {
            for pair in header.split(separator: ";") {
                let parts = pair.split(separator: "=", maxSplits: 1)
                if parts.count == 2, parts[0].trimmingCharacters(in: .whitespaces) == name {
                    return String(parts[1]).trimmingCharacters(in: .whitespaces)
                }
            }
        }
        return nil
    }

    /// HttpOnly (no script reads it), SameSite=Lax (sent on the identity provider's redirect
    /// back, not on cross-site sub-requests), scoped to `/console`.
    func set(_ name: String, _ value: String, maxAge: Int) -> String {
        "\(name)=\(value); Path=/console; Max-Age=\(maxAge); HttpOnly; SameSite=Lax\(secure ? "; Secure" : "")"
    }

    func clear(_ name: String) -> String { set(name, "", maxAge: 0) }
}

extension HTTPFields {
    mutating func appendCookie(_ cookie: String) { append(HTTPField(name: .setCookie, value: cookie)) }
}
