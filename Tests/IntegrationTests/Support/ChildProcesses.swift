import Foundation
import Synchronization

/// Every service process a test started, so none outlives the test run: if a test ends
/// without stopping its stack (a failure, a time limit), the exit handler kills the rest.
enum ChildProcesses {
    private static let pids = Mutex<Set<Int32>>([])
    private static let installed = Mutex(false)

    static func register(_ pid: Int32) {
        installed.withLock { done in
            if !done {
                atexit { ChildProcesses.killAll() }
                done = true
            }
        }
        pids.withLock { _ = $0.insert(pid) }
    }

    static func unregister(_ pid: Int32) {
        pids.withLock { _ = $0.remove(pid) }
    }

    /// Starts `process` with no other start in flight. Foundation lists the descriptors a
    /// child must close before it spawns; a second start on another thread in between opens
    /// its exit socket and pipes, the first child inherits them, and then the second child's
    /// exit goes unnoticed (and its pipes never reach end of file) until the first one ends.
    /// Started in parallel, a stack of services hung like that in teardown.
    static func launch(_ process: Process) throws {
        try launch(process) {}
    }

    /// `launch(_:)` with `prepare` run under the same lock first: pipes made there cannot leak
    /// into a child another thread starts meanwhile.
    static func launch<T>(_ process: Process, prepare: () throws -> T) throws -> T {
        try spawning.withLock { _ in
            let prepared = try prepare()
            try process.run()
            return prepared
        }
    }

    private static let spawning = Mutex(())

    static func killAll() {
        for pid in pids.withLock({ $0 }) { kill(pid, SIGKILL) }
    }
}
