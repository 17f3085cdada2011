import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A Spark process (`spark-submit` and the JVM and Python it starts) in a process group
/// of its own, its stdout and stderr appended to a log file.
///
/// Started with posix_spawn and reaped by a thread of its own: Foundation's `Process`
/// can leave a child unreaped when waited on from a Swift concurrency thread.
final class SparkProcess: @unchecked Sendable {
    let pid: pid_t
    private let condition = NSCondition()
    private var exitStatus: Int32?

    /// Starts `executable` with `arguments`; `environment` is added to this process's own.
    init(_ executable: String, _ arguments: [String], environment: [String: String], logPath: String) throws(StageError) {
        guard FileManager.default.isExecutableFile(atPath: executable) else {
            throw StageError(.toolMissing, message: "\(executable) is not an executable file; install Spark (scripts/setup) or set MEDALLION_SPARK_SUBMIT or SPARK_HOME.")
        }
        let log = open(logPath, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
        guard log >= 0 else {
            throw StageError(.invalidConfiguration, message: "Cannot open the stage log \(logPath) (\(String(cString: strerror(errno)))); set MEDALLION_STAGE_LOG_DIR to a writable directory.")
        }
        defer { close(log) }

        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_adddup2(&actions, log, 1)
        posix_spawn_file_actions_adddup2(&actions, log, 2)

        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var signals = sigset_t()
        sigemptyset(&signals)
        posix_spawnattr_setsigdefault(&attributes, &signals)
        posix_spawnattr_setsigmask(&attributes, &signals)
        // A group of its own, so a kill reaches the JVM and the Python processes it forks.
        posix_spawnattr_setpgroup(&attributes, 0)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETPGROUP))

        let merged = ProcessInfo.processInfo.environment.merging(environment) { $1 }.map { "\($0.key)=\($0.value)" }
        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        let envp = merged.map { strdup($0) } + [nil]
        defer {
            argv.forEach { free($0) }
            envp.forEach { free($0) }
        }
        var child: pid_t = 0
        let status = posix_spawn(&child, executable, &actions, &attributes, argv, envp)
        guard status == 0 else {
            throw StageError(.driverStart, message: "Cannot start \(executable): \(String(cString: strerror(status))).")
        }
        pid = child
        let thread = Thread { [self, pid] in
            var raw: Int32 = 0
            while waitpid(pid, &raw, 0) < 0 && errno == EINTR {}
            let signal = raw & 0x7f
            condition.lock()
            exitStatus = signal == 0 ? (raw >> 8) & 0xff : 128 + signal
            condition.broadcast()
            condition.unlock()
        }
        thread.name = "medallion-stages-reaper"
        thread.start()
    }

    /// The exit status (128 + signal when killed by one), or `nil` while running.
    var status: Int32? {
        condition.lock()
        defer { condition.unlock() }
        return exitStatus
    }

    /// Waits for the exit until `deadline`; `nil` if still running then.
    func wait(until deadline: ContinuousClock.Instant) -> Int32? {
        condition.lock()
        defer { condition.unlock() }
        while exitStatus == nil {
            let left = deadline - .now
            if left <= .zero { break }
            _ = condition.wait(until: Date().addingTimeInterval(left.seconds))
        }
        return exitStatus
    }

    /// Kills the whole process group at once (SIGKILL: a hung JVM ignores nicer signals).
    func kill() {
        if status == nil { _ = Glibc.kill(-pid, SIGKILL) }
    }

    /// Kills the group and waits for the exit.
    func terminate() {
        kill()
        _ = wait(until: .now + .seconds(30))
        // The group may hold Python workers that outlive the JVM by a moment.
        _ = Glibc.kill(-pid, SIGKILL)
    }
}

extension Duration {
    var seconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
    var milliseconds: Int { Int(components.seconds * 1000 + components.attoseconds / 1_000_000_000_000_000) }
}
