import Foundation
import Synchronization

/// Runs a command to completion and returns its exit status and output. A command still
/// running after `timeout` is killed and reported.
@discardableResult
func run(
    _ executable: String, _ arguments: [String], environment: [String: String]? = nil, input: String? = nil,
    timeout: Duration = .seconds(180)
) throws -> (status: Int32, stdout: String, stderr: String) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    if let environment { process.environment = environment }
    // The pipes are made inside the launch lock, so no other child can inherit their ends.
    let (out, err, inPipe) = try ChildProcesses.launch(process) {
        let pipes = (Pipe(), Pipe(), Pipe())
        process.standardOutput = pipes.0
        process.standardError = pipes.1
        process.standardInput = pipes.2
        return pipes
    }
    if let input { inPipe.fileHandleForWriting.write(Data(input.utf8)) }
    try inPipe.fileHandleForWriting.close()
    // Both pipes drain at once: a child blocked on a full stderr never closes its stdout.
    let errData = Mutex(Data())
    let errDone = DispatchSemaphore(value: 0)
    Thread.detachNewThread {
        errData.withLock { $0 = err.fileHandleForReading.readDataToEndOfFile() }
        errDone.signal()
    }
    let outData = out.fileHandleForReading.readDataToEndOfFile()
    errDone.wait()
    guard let status = ProcessExit.waitBlocking(for: process, timeout: timeout) else {
        kill(process.processIdentifier, SIGKILL)
        throw TestSetupError("\(executable) \(arguments.joined(separator: " ")) still ran after \(timeout)")
    }
    return (
        status, String(decoding: outData, as: UTF8.self), String(decoding: errData.withLock { $0 }, as: UTF8.self)
    )
}

/// A port that was free a moment ago (bound to 0, then released).
func freePort() throws -> Int {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard fd >= 0 else { throw TestSetupError("socket() failed") }
    defer { close(fd) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_port = 0
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    let bound = withUnsafePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) }
    }
    guard bound == 0 else { throw TestSetupError("bind() failed") }
    let named = withUnsafeMutablePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
    }
    guard named == 0 else { throw TestSetupError("getsockname() failed") }
    return Int(UInt16(bigEndian: address.sin_port))
}
