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

    static func killAll() {
        for pid in pids.withLock({ $0 }) { kill(pid, SIGKILL) }
    }
}
