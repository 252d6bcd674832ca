import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Whether a child has ended, without `Process.waitUntilExit()` and without reaping it.
///
/// Foundation learns of a child's exit from a socket the child inherits: while a grandchild
/// keeps it (a server a script starts), `isRunning` stays true and `waitUntilExit()` waits
/// forever. Reaping the child ourselves is no better: Foundation's own `waitpid` for that pid
/// may later block on an unrelated process that got the pid again (pids wrap at 32768 here).
/// `waitid(…, WNOWAIT)` reads the exit and leaves the zombie, and so the pid, to Foundation.
enum ProcessExit {
    /// The child's exit status (128 + signal when a signal ended it), or nil while it runs.
    static func status(of process: Process) -> Int32? {
        let pid = process.processIdentifier
        guard pid > 0 else { return nil }
        var info = siginfo_t()
        guard waitid(P_PID, id_t(pid), &info, WEXITED | WNOHANG | WNOWAIT) == 0 else {
            // ECHILD: Foundation has reaped it already, so it knows the status.
            return process.isRunning ? nil : process.terminationStatus
        }
        guard info._sifields._sigchld.si_pid == pid else { return nil }
        let value = info._sifields._sigchld.si_status
        return info.si_code == CLD_EXITED ? value : 128 + value
    }

    /// Waits until the child has ended or `timeout` passed; its status, or nil if it still runs.
    static func wait(for process: Process, timeout: Duration) async -> Int32? {
        let deadline = ContinuousClock.now + timeout
        while true {
            if let status = status(of: process) { return status }
            guard ContinuousClock.now < deadline else { return nil }
            try? await Task.sleep(for: .milliseconds(20))
        }
    }

    /// `wait(for:timeout:)` for synchronous callers (a blocked thread, not a task).
    static func waitBlocking(for process: Process, timeout: Duration) -> Int32? {
        let deadline = ContinuousClock.now + timeout
        while true {
            if let status = status(of: process) { return status }
            guard ContinuousClock.now < deadline else { return nil }
            usleep(20_000)
        }
    }
}
