import Foundation
import Logging
import NIOCore
import NIOPosix

/// Sends plain-text mail to one SMTP server (a relay or smarthost), one connection per message.
///
/// There is no TLS yet, so the client is meant for a relay on the same host or a trusted network
/// (see `SMTPConfiguration` about credentials). Logs go to `debug` with the server, step and
/// reply codes as metadata; the body (it carries a one-time token) and credentials never do.
public struct SMTPClient: Sendable {
    public let configuration: SMTPConfiguration
    private let eventLoopGroup: any EventLoopGroup
    private let logger: Logger

    public init(
        configuration: SMTPConfiguration,
        eventLoopGroup: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
        logger: Logger
    ) {
        self.configuration = configuration
        self.eventLoopGroup = eventLoopGroup
        self.logger = logger
    }

    /// Connects, says EHLO (HELO when EHLO is refused with 5xx), authenticates with AUTH PLAIN
    /// if credentials are configured, sends MAIL FROM, one RCPT TO per recipient, DATA with the
    /// dot-stuffed message, and QUIT. All recipients must be accepted, or nothing is sent.
    ///
    /// The whole exchange, connecting included, is bounded by `configuration.timeout`. Once the
    /// server has accepted the message (250 after DATA) the send has succeeded, whatever happens
    /// to QUIT. A connection lost before that reply is reported as `connectionClosed`
    /// (transient); in that narrow case the server may in fact have accepted the message, so a
    /// retry can deliver it twice.
    ///
    /// - Throws: `SMTPError`, or `CancellationError` when the calling task is cancelled.
    public func send(_ message: MailMessage) async throws {
        try configuration.validate()
        let credentials = try configuration.credentials()
        let rendered = try MailRenderer.render(message, sender: MailAddress(configuration.sender))
        let payload = DotStuffing.dataPayload(rendered.text)

        var logger = self.logger
        logger[metadataKey: "smtp.server"] = "\(configuration.host):\(configuration.port)"
        logger[metadataKey: "mail.message-id"] = "\(rendered.messageID)"
        logger.debug("sending mail", metadata: ["mail.recipients": "\(rendered.recipients.count)"])

        let progress = SMTPProgress()
        let deadline = ContinuousClock.now.advanced(by: configuration.timeout)
        let timeoutError = { @Sendable in
            SMTPError(
                .timeout,
                reason: "no answer from \(configuration.host):\(configuration.port) within \(configuration.timeout) "
                    + "(\(progress.step))")
        }
        do {
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { [logger] in
                    try await exchange(
                        rendered: rendered, payload: payload, credentials: credentials, deadline: deadline,
                        progress: progress, logger: logger)
                }
                group.addTask {
                    try await Task.sleep(until: deadline, clock: .continuous)
                    throw timeoutError()
                }
                defer { group.cancelAll() }
                _ = try await group.next()
            }
        } catch {
            if progress.delivered {
                // Accepted by the server; only the goodbye went wrong.
                logger.debug("mail accepted, but the session did not end cleanly", metadata: ["error": "\(error)"])
                return
            }
            if Task.isCancelled { throw CancellationError() }
            logger.debug("mail not sent", metadata: ["error": "\(error)"])
            throw error
        }
        logger.debug("mail sent")
    }

    private func exchange(
        rendered: MailRenderer.Rendered, payload: String, credentials: (username: String, password: String)?,
        deadline: ContinuousClock.Instant, progress: SMTPProgress, logger: Logger
    ) async throws {
        let channel = try await connect(deadline: deadline, logger: logger)
        try await withTaskCancellationHandler {
            try await channel.executeThenClose { inbound, outbound in
                var conversation = SMTPConversation(
                    inbound: inbound, outbound: outbound, progress: progress, logger: logger)
                do {
                    try await converse(
                        &conversation, rendered: rendered, payload: payload, credentials: credentials,
                        progress: progress)
                } catch let error as SMTPError where error.code == .rejected || error.code == .protocolViolation {
                    // The server is still talking: say goodbye without waiting for an answer.
                    try? await conversation.write("QUIT\r\n", "QUIT")
                    throw error
                }
            }
        } onCancel: {
            // Unblocks a pending read when the timeout (or the caller) cancels the exchange.
            channel.channel.close(promise: nil)
        }
    }

    private func connect(deadline: ContinuousClock.Instant, logger: Logger) async throws
        -> NIOAsyncChannel<SMTPReply, ByteBuffer>
    {
        let target = "\(configuration.host):\(configuration.port)"
        guard let bootstrap = ClientBootstrap(validatingGroup: eventLoopGroup) else {
            throw SMTPError(.connectFailed, reason: "event loop group cannot make TCP connections to \(target)")
        }
        let remaining = max(ContinuousClock.now.duration(to: deadline), .milliseconds(1))
        logger.debug("smtp connecting")
        do {
            return
                try await bootstrap
                .connectTimeout(TimeAmount(remaining))
                .channelOption(ChannelOptions.tcpOption(.tcp_nodelay), value: 1)
                .connect(host: configuration.host, port: configuration.port) { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(SMTPReplyDecoder()))
                        return try NIOAsyncChannel<SMTPReply, ByteBuffer>(wrappingChannelSynchronously: channel)
                    }
                }
        } catch ChannelError.connectTimeout {
            throw SMTPError(.timeout, reason: "connecting to \(target) timed out")
        } catch {
            try Task.checkCancellation()
            throw SMTPError(.connectFailed, reason: "cannot connect to \(target): \(error)")
        }
    }

    private func converse(
        _ conversation: inout SMTPConversation, rendered: MailRenderer.Rendered, payload: String,
        credentials: (username: String, password: String)?, progress: SMTPProgress
    ) async throws {
        let greeting = try await conversation.readReply("the greeting")
        try SMTPConversation.require(greeting, [220], "the connection")

        var extensions: [String: [String]] = [:]
        let ehlo = try await conversation.command("EHLO \(configuration.helo)", step: "EHLO")
        if ehlo.isPermanentFailure {
            let helo = try await conversation.command("HELO \(configuration.helo)", step: "HELO")
            try SMTPConversation.require(helo, [250], "HELO")
        } else {
            try SMTPConversation.require(ehlo, [250], "EHLO")
            extensions = ehlo.extensions
        }

        if let credentials {
            guard extensions["AUTH"]?.contains("PLAIN") == true else {
                throw SMTPError(
                    .authenticationUnavailable,
                    reason: "credentials are configured but the server does not offer AUTH PLAIN")
            }
            // RFC 4616: authorization identity (empty), NUL, user, NUL, password.
            let token = Data([0] + Array(credentials.username.utf8) + [0] + Array(credentials.password.utf8))
                .base64EncodedString()
            var reply = try await conversation.command("AUTH PLAIN \(token)", step: "AUTH PLAIN")
            if reply.code == 334 {
                // A server that ignores the initial response asks for it again.
                reply = try await conversation.command(token, step: "AUTH PLAIN response")
            }
            try SMTPConversation.require(reply, [235], "AUTH PLAIN")
        }

        let mail = try await conversation.command("MAIL FROM:<\(rendered.sender)>", step: "MAIL FROM")
        try SMTPConversation.require(mail, [250], "MAIL FROM:<\(rendered.sender)>")
        for recipient in rendered.recipients {
            let reply = try await conversation.command("RCPT TO:<\(recipient)>", step: "RCPT TO")
            try SMTPConversation.require(reply, [250, 251], "RCPT TO:<\(recipient)>")
        }
        let data = try await conversation.command("DATA", step: "DATA")
        try SMTPConversation.require(data, [354], "DATA")
        try await conversation.write(payload, "the message")
        let accepted = try await conversation.readReply("the message")
        try SMTPConversation.require(accepted, [250], "the message")
        progress.markDelivered()
        logger.debug("mail accepted by server", metadata: ["smtp.reply": "\(accepted.summary)"])

        do {
            let bye = try await conversation.command("QUIT", step: "QUIT")
            if bye.code != 221 {
                logger.debug("unexpected reply to QUIT", metadata: ["smtp.reply.code": "\(bye.code)"])
            }
        } catch {
            logger.debug("QUIT failed after delivery", metadata: ["error": "\(error)"])
        }
    }
}
