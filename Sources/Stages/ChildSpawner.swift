import Foundation
import ProcessSpawn
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
            result.put(ProcessSpawn.start(command + arguments, environment: environment, stdout: .descriptor(output),
                                          stderr: .descriptor(output), ownProcessGroup: true))
            done.signal()
        }
        jobs.withLock { $0.append(job) }
        queued.signal()
        done.wait()
        return result.take()!
    }

    typealias SpawnFailure = ProcessSpawn.Failure
}
