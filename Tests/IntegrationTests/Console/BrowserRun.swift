import Foundation

/// One run of `Tests/Browser/run.py` (fixtures, then the python browser tests) in a child
/// process: its output streams to the test's stdout (prefixed `[browser]`) and to a log file,
/// and a run still going after the time limit is stopped with everything it started.
///
/// run.py makes itself a process group leader (`os.setsid()`), so chromedriver and chromium
/// are in the group `-pid`; the group is signalled on a timeout and once more after the run
/// ends, for browsers a crashed test left behind.
struct BrowserRun {
    let python: URL
    let script: URL
    let environment: [String: String]
    let logFile: URL
    let timeout: Duration

    struct Result {
        /// Exit status (128 + signal); nil when it was stopped after the time limit.
        var status: Int32?
        var output: String
    }

    func run() async throws -> Result {
        _ = FileManager.default.createFile(atPath: logFile.path, contents: nil)
        // Owned by the reader thread below, which closes it at the end of the output.
        let log = try FileHandle(forWritingTo: logFile)
        let process = Process()
        process.executableURL = python
        process.arguments = ["-u", script.path]
        process.environment = environment
        process.currentDirectoryURL = script.deletingLastPathComponent()
        let pipe = try ChildProcesses.launch(process) {
            let pipe = Pipe()
            process.standardOutput = pipe
            process.standardError = pipe
            process.standardInput = FileHandle.nullDevice
            return pipe
        }
        ChildProcesses.register(process.processIdentifier)
        let pid = process.processIdentifier

        // Lines as they come, to stdout and the log; the reader ends at EOF (every writer gone).
        let done = DispatchSemaphore(value: 0)
        let reader = pipe.fileHandleForReading
        Thread.detachNewThread {
            var pending = Data()
            while true {
                let chunk = reader.availableData
                if chunk.isEmpty { break }
                log.write(chunk)
                pending.append(chunk)
                while let newline = pending.firstIndex(of: 0x0A) {
                    let line = String(decoding: pending[pending.startIndex..<newline], as: UTF8.self)
                    print("[browser] \(line)")
                    pending.removeSubrange(pending.startIndex...newline)
                }
            }
            if !pending.isEmpty { print("[browser] \(String(decoding: pending, as: UTF8.self))") }
            try? log.close()
            done.signal()
        }

        var status = await ProcessExit.wait(for: process, timeout: timeout)
        if status == nil {
            print("[browser] still running after \(timeout): stopping run.py and its browsers")
            kill(-pid, SIGTERM)
            kill(pid, SIGTERM)
            if await ProcessExit.wait(for: process, timeout: .seconds(10)) == nil {
                kill(-pid, SIGKILL)
                kill(pid, SIGKILL)
                _ = await ProcessExit.wait(for: process, timeout: .seconds(10))
            }
            status = nil
        }
        // Whatever of the group outlived run.py (a browser a test did not quit).
        kill(-pid, SIGKILL)
        ChildProcesses.unregister(pid)
        // The pipe's last writers are gone now: wait (on a thread of its own, not a task's) for
        // the reader to reach the end. A straggler still holding the pipe only costs the wait.
        let drained = await withCheckedContinuation { continuation in
            Thread.detachNewThread { continuation.resume(returning: done.wait(timeout: .now() + 10) == .success) }
        }
        if !drained { print("[browser] (output still open after run.py ended; the log may be incomplete)") }
        let output = (try? String(contentsOf: logFile, encoding: .utf8)) ?? ""
        return Result(status: status, output: output)
    }
}
