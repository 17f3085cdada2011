import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// Starts child processes that die with this one and inherit none of its descriptors.
///
/// - **Death**: each child is started through util-linux `setpriv --pdeathsig KILL`, which
///   sets `PR_SET_PDEATHSIG` and execs the program (the setting survives the exec), so the
///   kernel kills the child when we die, SIGKILL included. The kernel sends that signal
///   when the *thread* that forked the child ends, not the process: every spawn therefore
///   runs on one thread of this type's own, which never ends.
/// - **Descriptors**: everything above 2 is closed in the child
///   (`posix_spawn_file_actions_addclosefrom_np`), so no listening socket, lake file or
///   database connection of the daemon outlives it in a child.
/// - **Group**: the child leads a process group of its own, so one signal reaches the
///   processes it forks (Spark's JVM forks the Python driver and workers).
final class ChildSpawner: Sendable {
    static let shared = ChildSpawner()

    /// `setpriv` (util-linux; on every Debian system), or `nil` when it is missing: then
    /// children are started directly and only the start-up sweep of leftover groups
    /// (`SparkGroupFile`) ends them after a crash.
    let setpriv: String? = ["/usr/bin/setpriv", "/bin/setpriv"].first { FileManager.default.isExecutableFile(atPath: $0) }

    private let jobs = Mutex<[@Sendable () -> Void]>([])
    /// Counts the jobs queued and not yet taken.
    private let queued = DispatchSemaphore(value: 0)

    private init() {
        let thread = Thread { [self] in
            // Children inherit this thread's nice value, and Foundation raises its threads'
            // priority: the Spark jobs get the main thread's, below capture's threads.
            errno = 0
            let nice = getpriority(__priority_which_t(PRIO_PROCESS.rawValue), id_t(getpid()))
            if errno == 0 { _ = setpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0, nice) }
            while true {
                queued.wait()
                let job = jobs.withLock { $0.removeFirst() }
                job()
            }
        }
        thread.name = "medallion-spawner"
        thread.start()
    }

    /// Starts `executable` with `arguments` and exactly `environment`; stdin is
    /// `/dev/null`, stdout and stderr go to `output`. Returns the pid (also the group id)
    /// or the `posix_spawn` error number.
    func spawn(_ executable: String, _ arguments: [String], environment: [String: String], output: Int32) -> Result<pid_t, SpawnFailure> {
        let command = setpriv.map { [$0, "--pdeathsig", "KILL", "--", executable] } ?? [executable]
        let result = Handover<Result<pid_t, SpawnFailure>>()
        let done = DispatchSemaphore(value: 0)
        let job: @Sendable () -> Void = {
            result.put(Self.posixSpawn(command + arguments, environment: environment, output: output))
            done.signal()
        }
        jobs.withLock { $0.append(job) }
        queued.signal()
        done.wait()
        return result.take()!
    }

    /// A failed `posix_spawn`, with its error number.
    struct SpawnFailure: Error {
        var errorNumber: Int32
        var description: String { String(cString: strerror(errorNumber)) }
    }

    private static func posixSpawn(_ argv: [String], environment: [String: String], output: Int32) -> Result<pid_t, SpawnFailure> {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_adddup2(&actions, output, 1)
        posix_spawn_file_actions_adddup2(&actions, output, 2)
        if let closeFrom = addCloseFrom {
            _ = closeFrom(&actions, 3)
        } else {
            markAllCloseOnExec()
        }

        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var signals = sigset_t()
        sigemptyset(&signals)
        posix_spawnattr_setsigdefault(&attributes, &signals)
        posix_spawnattr_setsigmask(&attributes, &signals)
        posix_spawnattr_setpgroup(&attributes, 0)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETPGROUP))

        let arguments = argv.map { strdup($0) } + [nil]
        let variables = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            arguments.forEach { free($0) }
            variables.forEach { free($0) }
        }
        var child: pid_t = 0
        let status = posix_spawn(&child, argv[0], &actions, &attributes, arguments, variables)
        return status == 0 ? .success(child) : .failure(SpawnFailure(errorNumber: status))
    }

    /// glibc's `posix_spawn_file_actions_addclosefrom_np` (2.34 and later; Debian 12 has
    /// 2.36), which Swift's Glibc module does not import: looked up at run time.
    private static let addCloseFrom: (@convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32)? = {
        guard let symbol = dlsym(nil, "posix_spawn_file_actions_addclosefrom_np") else { return nil }
        return unsafeBitCast(symbol, to: (@convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32).self)
    }()

    /// The fallback for a glibc older than 2.34: marks every descriptor above 2
    /// close-on-exec. Only a descriptor another thread opens without `O_CLOEXEC` between
    /// this and the spawn can still leak.
    private static func markAllCloseOnExec() {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd")) ?? []
        for descriptor in entries.compactMap(Int32.init) where descriptor > 2 {
            _ = fcntl(descriptor, F_SETFD, fcntl(descriptor, F_GETFD) | FD_CLOEXEC)
        }
    }
}
