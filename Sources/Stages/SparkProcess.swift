import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// A Spark process (`spark-submit` and the JVM and Python it starts) in a process group
/// of its own, its stdout and stderr appended to the runner's log file.
///
/// Started by `ChildSpawner` (it dies with us and inherits no descriptor), recorded in a
/// `SparkGroupFile` while it lives, and reaped by a thread of its own: Foundation's
/// `Process` can leave a child unreaped when waited on from a Swift concurrency thread.
final class SparkProcess: Sendable {
    let pid: pid_t
    /// The exit status once reaped; the reaping happens under this lock, which `kill`
    /// takes too, so no signal reaches a reused pid.
    private let exitStatus = Mutex<Int32?>(nil)
    /// Signalled once the exit status is set; each waiter that takes it signals it again.
    private let exited = DispatchSemaphore(value: 0)

    /// Starts `executable` with `arguments` and `environment`, plus the allowed part of the
    /// daemon's own (`ChildEnvironment`). Output goes to `configuration.logPath`, the
    /// group's record to its log directory.
    init(_ executable: String, _ arguments: [String], environment: [String: String],
         configuration: StageConfiguration) throws(StageError) {
        guard FileManager.default.isExecutableFile(atPath: executable) else {
            throw StageError(.toolMissing, message: "\(executable) is not an executable file; install Spark (scripts/setup) or set MEDALLION_SPARK_SUBMIT or SPARK_HOME.")
        }
        try configuration.prepareLogDirectory()
        let logPath = configuration.logPath
        let log: Int32
        do {
            log = try StateFile.openForAppending(logPath)
        } catch {
            throw StageError(.invalidConfiguration, message: "Cannot open the stage log \(error); set MEDALLION_STAGE_LOG_DIR to a directory of your own.")
        }
        defer { close(log) }

        let directory = configuration.logDirectory
        var record = SparkGroupFile(runner: configuration.runner.rawValue)
        do {
            try record.write(toDirectory: directory)
        } catch {
            throw StageError(.invalidConfiguration, message: "Cannot record the Spark process in \(directory) (\(error)); set MEDALLION_STAGE_LOG_DIR to a directory of your own.")
        }
        var childEnvironment = ChildEnvironment.allowed(configuration.inheritedEnvironment).merging(environment) { $1 }
        childEnvironment[SparkGroupFile.markerVariable] = record.marker
        let child: pid_t
        switch ChildSpawner.shared.spawn(executable, arguments, environment: childEnvironment, output: log) {
        case .success(let pid): child = pid
        case .failure(let failure):
            record.remove(directory: directory)
            throw StageError(.driverStart, message: "Cannot start \(executable): \(failure.description).")
        }
        pid = child
        record.group = child
        // The group id makes the next start's sweep kill the whole group at once.
        try? record.write(toDirectory: directory)
        let thread = Thread { [self, pid, record] in
            // Wait for the leader's exit without reaping it: while it is a zombie its pid,
            // and so the group id, cannot be reused, and what is left of the group (Python
            // workers outliving the JVM by a moment) can be killed safely.
            var info = siginfo_t()
            var waited: Int32
            repeat { waited = waitid(P_PID, id_t(pid), &info, WEXITED | WNOWAIT) } while waited < 0 && errno == EINTR
            if waited == 0 { _ = Glibc.kill(-pid, SIGKILL) }
            record.remove(directory: directory)
            // Reaped under the lock `kill()` takes: it never signals a reused pid.
            exitStatus.withLock { status in
                var raw: Int32 = 0
                while waitpid(pid, &raw, 0) < 0 && errno == EINTR {}
                let signal = raw & 0x7f
                status = signal == 0 ? (raw >> 8) & 0xff : 128 + signal
            }
            exited.signal()
        }
        thread.name = "medallion-stages-reaper"
        thread.start()
    }

    /// The exit status (128 + signal when killed by one), or `nil` while running.
    var status: Int32? {
        exitStatus.withLock { $0 }
    }

    /// Waits for the exit until `deadline`; `nil` if still running then.
    func wait(until deadline: ContinuousClock.Instant) -> Int32? {
        if let status { return status }
        let left = max(.zero, deadline - .now)
        guard exited.wait(timeout: .now() + left.seconds) == .success else { return status }
        exited.signal()
        return status
    }

    /// Kills the whole process group at once (SIGKILL: a hung JVM ignores nicer signals).
    func kill() {
        exitStatus.withLock { status in
            if status == nil { _ = Glibc.kill(-pid, SIGKILL) }
        }
    }

    /// Kills the group and waits for the exit (the reaper then kills what is left of
    /// the group).
    func terminate() {
        kill()
        _ = wait(until: .now + .seconds(30))
    }
}

extension Duration {
    var seconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
    var milliseconds: Int { Int(components.seconds * 1000 + components.attoseconds / 1_000_000_000_000_000) }
}
