import Logging
import NIOCore

/// The command/reply lock-step over one connection (no pipelining): send a command, read its
/// reply, check the code.
struct SMTPConversation {
    private var replies: NIOAsyncChannelInboundStream<SMTPReply>.AsyncIterator
    private let outbound: NIOAsyncChannelOutboundWriter<ByteBuffer>
    private let progress: SMTPProgress
    private let logger: Logger

    init(
        inbound: NIOAsyncChannelInboundStream<SMTPReply>, outbound: NIOAsyncChannelOutboundWriter<ByteBuffer>,
        progress: SMTPProgress, logger: Logger
    ) {
        self.replies = inbound.makeAsyncIterator()
        self.outbound = outbound
        self.progress = progress
        self.logger = logger
    }

    /// Reads the next reply; `step` names what it answers, for errors and logs.
    mutating func readReply(_ step: String) async throws -> SMTPReply {
        progress.enter("waiting for the reply to \(step)")
        let reply: SMTPReply?
        do {
            reply = try await replies.next()
        } catch let error as SMTPError {
            throw error
        } catch {
            try Task.checkCancellation()
            throw SMTPError(
                .connectionClosed, reason: "connection failed while waiting for the reply to \(step): \(error)")
        }
        guard let reply else {
            try Task.checkCancellation()
            throw SMTPError(
                .connectionClosed, reason: "server closed the connection while waiting for the reply to \(step)")
        }
        logger.debug("smtp reply", metadata: ["smtp.step": "\(step)", "smtp.reply.code": "\(reply.code)"])
        return reply
    }

    /// Writes `data` as is; `step` names it for errors.
    func write(_ data: String, _ step: String) async throws {
        progress.enter("sending \(step)")
        do {
            try await outbound.write(ByteBuffer(string: data))
        } catch {
            try Task.checkCancellation()
            throw SMTPError(.connectionClosed, reason: "connection failed while sending \(step): \(error)")
        }
    }

    /// Sends one command line and returns its reply. `step` is what logs and errors show (never
    /// the command itself when it carries credentials).
    mutating func command(_ line: String, step: String) async throws -> SMTPReply {
        logger.debug("smtp command", metadata: ["smtp.step": "\(step)"])
        try await write(line + "\r\n", step)
        return try await readReply(step)
    }

    /// Throws unless `reply` has one of the `expected` codes: 4xx/5xx are rejections, anything
    /// else is a reply that makes no sense at this point.
    static func require(_ reply: SMTPReply, _ expected: Set<Int>, _ step: String) throws(SMTPError) {
        guard !expected.contains(reply.code) else { return }
        if reply.isTransientFailure || reply.isPermanentFailure {
            throw SMTPError(
                .rejected, replyCode: reply.code, reason: "server rejected \(step): \(reply.code) \(reply.summary)")
        }
        throw SMTPError(
            .protocolViolation, replyCode: reply.code,
            reason: "unexpected reply to \(step): \(reply.code) \(reply.summary)")
    }
}
