/// Where and how the approval service sends mail.
///
/// Credentials are sent with AUTH PLAIN, which only base64-encodes them: anyone who can see the
/// connection can read the password. Until the client speaks TLS (STARTTLS or implicit TLS),
/// credentials are refused unless `allowPlaintextAuth` is set, an explicit opt-in meant for a
/// relay on the same host or on a network the operator trusts.
public struct SMTPConfiguration: Sendable, Hashable {
    public var host: String
    public var port: Int
    /// The envelope sender (MAIL FROM) and the `From:` header, a plain `local@domain`.
    public var sender: String
    /// The name this client gives in EHLO/HELO.
    public var helo: String
    public var username: String?
    public var password: String?
    /// Allows AUTH PLAIN over an unencrypted connection (see the type's documentation).
    public var allowPlaintextAuth: Bool
    /// Bounds the whole exchange, connecting included.
    public var timeout: Duration

    public init(
        host: String = "127.0.0.1",
        port: Int = 2525,
        sender: String = "clm@localhost",
        helo: String = "localhost",
        username: String? = nil,
        password: String? = nil,
        allowPlaintextAuth: Bool = false,
        timeout: Duration = .seconds(10)
    ) {
        self.host = host
        self.port = port
        self.sender = sender
        self.helo = helo
        self.username = username
        self.password = password
        self.allowPlaintextAuth = allowPlaintextAuth
        self.timeout = timeout
    }

    /// The credentials to authenticate with, nil for none; throws when they are incomplete or
    /// would travel in the clear without the opt-in.
    func credentials() throws(SMTPError) -> (username: String, password: String)? {
        switch (username, password) {
        case (nil, nil):
            return nil
        case let (username?, password?):
            guard allowPlaintextAuth else {
                throw SMTPError(
                    .invalidConfiguration,
                    reason: "SMTP credentials are configured but the connection is not encrypted; "
                        + "set allowPlaintextAuth only for a trusted relay")
            }
            guard !username.isEmpty, !username.utf8.contains(0), !password.utf8.contains(0) else {
                throw SMTPError(.invalidConfiguration, reason: "SMTP username is empty or contains NUL")
            }
            return (username, password)
        default:
            throw SMTPError(.invalidConfiguration, reason: "SMTP username and password must be set together")
        }
    }

    /// Checks everything that can be checked without talking to the server.
    func validate() throws(SMTPError) {
        guard !host.isEmpty, !host.contains(where: { $0.isWhitespace || $0.isNewline }) else {
            throw SMTPError(.invalidConfiguration, reason: "invalid SMTP host '\(host)'")
        }
        guard (1...65535).contains(port) else {
            throw SMTPError(.invalidConfiguration, reason: "invalid SMTP port \(port)")
        }
        guard timeout > .zero else {
            throw SMTPError(.invalidConfiguration, reason: "SMTP timeout must be positive")
        }
        // The HELO argument is a domain or address literal: printable ASCII without spaces.
        guard !helo.isEmpty, helo.utf8.count <= 255, helo.utf8.allSatisfy({ (0x21...0x7E).contains($0) }) else {
            throw SMTPError(.invalidConfiguration, reason: "invalid HELO name '\(helo)'")
        }
        _ = try MailAddress(sender)
        _ = try credentials()
    }
}
