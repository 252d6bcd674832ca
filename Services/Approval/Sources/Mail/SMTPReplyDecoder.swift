import NIOCore

/// Frames the bytes from the server into lines (ending in LF, normally CRLF) and the lines into
/// replies; a line longer than `maximumLineLength` is a protocol violation rather than a reason
/// to buffer without bound.
struct SMTPReplyDecoder: ByteToMessageDecoder {
    typealias InboundOut = SMTPReply

    /// RFC 5321 allows 512 octets per reply line; leave room for chatty servers.
    static let maximumLineLength = 4096

    private var parser = SMTPReplyParser()

    init() {}

    mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        let view = buffer.readableBytesView
        guard let newline = view.firstIndex(of: UInt8(ascii: "\n")) else {
            if buffer.readableBytes > Self.maximumLineLength {
                throw SMTPError(
                    .protocolViolation, reason: "server reply line longer than \(Self.maximumLineLength) bytes")
            }
            return .needMoreData
        }
        let length = newline - view.startIndex + 1
        guard length <= Self.maximumLineLength + 2 else {
            throw SMTPError(.protocolViolation, reason: "server reply line longer than \(Self.maximumLineLength) bytes")
        }
        let line = buffer.readSlice(length: length)!
        if let reply = try parser.feed(line: line.readableBytesView) {
            context.fireChannelRead(wrapInboundOut(reply))
        }
        return .continue
    }

    mutating func decodeLast(context: ChannelHandlerContext, buffer: inout ByteBuffer, seenEOF: Bool) throws
        -> DecodingState
    {
        // Complete lines still count; an unterminated line or an unfinished reply at EOF is
        // dropped, and the reader sees the end of the stream.
        while try decode(context: context, buffer: &buffer) == .continue {}
        buffer.moveReaderIndex(forwardBy: buffer.readableBytes)
        return .needMoreData
    }
}
