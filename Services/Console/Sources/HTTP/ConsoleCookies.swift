import Hummingbird

/// The console's two cookies: the session id, and the state of a sign-in under way (which
/// binds the identity provider's callback to the browser that started it).
struct ConsoleCookies: Sendable {
    static let session = "clm_console"
    static let signIn = "clm_console_signin"

    /// `Secure` when the console is reached over HTTPS.
    let secure: Bool

    static func value(_ name: String, in request: Request) -> String? { request.cookies[name]?.value }

    /// HttpOnly (no script reads it), SameSite=Lax (sent on the identity provider's redirect
    /// back, not on cross-site sub-requests), scoped to `/console`.
    func set(_ name: String, _ value: String, maxAge: Int) -> Cookie {
        Cookie(
            name: name, value: value, maxAge: maxAge, path: "/console", secure: secure, httpOnly: true, sameSite: .lax)
    }

    func clear(_ name: String) -> Cookie { set(name, "", maxAge: 0) }
}
