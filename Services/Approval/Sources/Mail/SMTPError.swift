/// Why sending a mail failed. `isTransient` tells the caller whether retrying later can help:
/// 4xx replies, connect failures, timeouts and dropped connections are transient; 5xx replies
/// and everything wrong with the message or configuration are permanent.
public struct SMTPError: Error, Sendable, Hashable, CustomStringConvertible {
    public enum Code: String, Sendable, Hashable, CaseIterable {
        /// No TCP connection to the server (refused, unreachable, name not resolved).
        case connectFailed
        /// The exchange did not finish within `SMTPConfiguration.timeout`.
        case timeout
        /// The server closed the connection (or it broke) before the exchange was finished.
        case connectionClosed
        /// The server answered a command with a 4xx or 5xx reply; see `replyCode`.
        case rejected
        /// The server said something that is not SMTP, or an unexpected reply code.
        case protocolViolation
        /// A sender or recipient address that is not a plain `local@domain`.
        case invalidAddress
        /// The message cannot be sent as is (no recipient, CR/LF in the subject, bad Message-ID).
        case invalidMessage
        /// The configuration is unusable (bad HELO name or port, credentials without opt-in).
        case invalidConfiguration
        /// Credentials are configured but the server does not offer AUTH PLAIN.
        case authenticationUnavailable
    }

    public var code: Code
    /// The server's reply code when the failure is a reply (`rejected`, some `protocolViolation`s).
    public var replyCode: Int?
    /// A human-readable explanation; never contains the message body or credentials.
    public var reason: String

    public init(_ code: Code, replyCode: Int? = nil, reason: String) {
        self.code = code
        self.replyCode = replyCode
        self.reason = reason
    }

    /// Whether the same message may go through if sent again later.
    public var isTransient: Bool {
        switch code {
        case .connectFailed, .timeout, .connectionClosed:
            true
        case .rejected:
            // A rejection without a code cannot happen; treat it as permanent to be safe.
            replyCode.map { (400..<500).contains($0) } ?? false
        case .protocolViolation, .invalidAddress, .invalidMessage, .invalidConfiguration, .authenticationUnavailable:
            false
        }
    }

    public var description: String {
        var text = "SMTP \(code.rawValue)"
        if let replyCode { text += " (\(replyCode))" }
        text += ": \(reason)"
        text += isTransient ? " [transient]" : " [permanent]"
        return text
    }
}
