/// A plain-text message to send. The body may contain any Unicode text and any line endings;
/// it is sent as UTF-8 with CRLF line endings (7bit when it is ASCII, else quoted-printable).
public struct MailMessage: Sendable, Hashable {
    /// Recipient addresses (`local@domain`), each given in RCPT TO and listed in `To:`.
    public var to: [String]
    /// The subject; must not contain CR or LF (header injection). Non-ASCII is RFC 2047-encoded.
    public var subject: String
    public var textBody: String
    /// The Message-ID, with or without angle brackets (`id@domain`); generated when nil.
    public var messageID: String?

    public init(to: [String], subject: String, textBody: String, messageID: String? = nil) {
        self.to = to
        self.subject = subject
        self.textBody = textBody
        self.messageID = messageID
    }
}
