/// The DATA transparency procedure (RFC 5321 §4.5.2): a line beginning with "." gets a second
/// ".", so no line of the message can be taken for the end-of-data marker.
enum DotStuffing {
    /// Stuffs `message`, whose lines must all end in CRLF, and appends the terminating `.` line.
    static func dataPayload(_ message: String) -> String {
        var payload = stuff(message)
        if !payload.isEmpty, !payload.hasSuffix("\r\n") { payload += "\r\n" }
        return payload + ".\r\n"
    }

    /// Doubles a "." at the start of every CRLF-separated line.
    static func stuff(_ text: String) -> String {
        var output: [UInt8] = []
        let bytes = Array(text.utf8)
        output.reserveCapacity(bytes.count + 16)
        var atLineStart = true
        for (index, byte) in bytes.enumerated() {
            if atLineStart, byte == UInt8(ascii: ".") { output.append(UInt8(ascii: ".")) }
            output.append(byte)
            atLineStart = byte == UInt8(ascii: "\n") && index > 0 && bytes[index - 1] == UInt8(ascii: "\r")
        }
        return String(decoding: output, as: UTF8.self)
    }
}
