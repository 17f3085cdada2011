import Foundation
import ProcessSpawn
#if canImport(Glibc)
import Glibc
#endif

/// Starts a child process with `ProcessSpawn` (the environment merged over the test's), and
/// waits for it. (Foundation's Process can leave a child unreaped when waited on from a
/// Swift concurrency thread, so the harness avoids it.)
enum Spawn {
    static func start(_ executable: String, _ arguments: [String], environment: [String: String]?,
                      stdinPath: String, stdout: ProcessSpawn.Output, stderr: ProcessSpawn.Output) throws -> pid_t {
        let merged = environment.map { ProcessInfo.processInfo.environment.merging($0) { $1 } } ?? ProcessInfo.processInfo.environment
        // The child gets only stdin/stdout/stderr: no listening socket or pipe of the test
        // process (a server under test) leaks into it and outlives the server.
        switch ProcessSpawn.start([executable] + arguments, environment: merged, stdin: stdinPath, stdout: stdout, stderr: stderr) {
        case .success(let pid):
            return pid
        case .failure(let failure):
            throw HarnessError("cannot start \(executable): \(failure)")
        }
    }

    /// Waits for `pid` and returns its exit status (128 + signal when killed by one).
    static func wait(_ pid: pid_t) -> Int32 {
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        let signal = status & 0x7f
        return signal == 0 ? (status >> 8) & 0xff : 128 + signal
    }
}
