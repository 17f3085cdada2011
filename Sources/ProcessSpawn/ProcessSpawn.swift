import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Starts a program with `posix_spawn`, as every child of this package (and of its tests)
/// is started: exactly the environment given, stdin from a file, stdout and stderr to a file
/// or a descriptor, no other descriptor of ours (everything above 2 is closed in the child,
/// so no listening socket, lake file or database connection outlives us in it), and no
/// signal blocked.
public enum ProcessSpawn {
    /// Where the child's stdout or stderr goes.
    public enum Output: Sendable {
        /// A file, created or truncated.
        case file(String)
        /// A descriptor of ours, duplicated into the child.
        case descriptor(Int32)
    }

    /// A failed `posix_spawn`, with its error number.
    public struct Failure: Error, CustomStringConvertible {
        public var errorNumber: Int32
        public var description: String { String(cString: strerror(errorNumber)) }
    }

    /// Starts `argv[0]` (a path) with `argv`; with `ownProcessGroup` the child leads a
    /// process group of its own, so one signal reaches what it forks. Returns the pid.
    public static func start(_ argv: [String], environment: [String: String], stdin: String = "/dev/null",
                             stdout: Output, stderr: Output, ownProcessGroup: Bool = false) -> Result<pid_t, Failure> {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, stdin, O_RDONLY, 0)
        for (descriptor, output) in [(Int32(1), stdout), (Int32(2), stderr)] {
            switch output {
            case .file(let path):
                posix_spawn_file_actions_addopen(&actions, descriptor, path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
            case .descriptor(let fd):
                posix_spawn_file_actions_adddup2(&actions, fd, descriptor)
            }
        }
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
        var flags = POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF
        if ownProcessGroup {
            posix_spawnattr_setpgroup(&attributes, 0)
            flags |= POSIX_SPAWN_SETPGROUP
        }
        posix_spawnattr_setflags(&attributes, Int16(flags))

        let arguments = argv.map { strdup($0) } + [nil]
        let variables = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            arguments.forEach { free($0) }
            variables.forEach { free($0) }
        }
        var child: pid_t = 0
        let status = posix_spawn(&child, argv[0], &actions, &attributes, arguments, variables)
        return status == 0 ? .success(child) : .failure(Failure(errorNumber: status))
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
