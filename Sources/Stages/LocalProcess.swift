import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A process on this machine, named by its pid and its start time, so that a pid the
/// kernel has since given to another process is never mistaken for it. Read from `/proc`.
struct LocalProcess: Codable, Hashable, Sendable {
    var pid: Int32
    /// Clock ticks from boot to the process's start (`/proc/<pid>/stat`, field 22);
    /// `nil` where `/proc` cannot tell.
    var startTime: UInt64?

    /// This process.
    static let current = LocalProcess(pid: getpid(), startTime: stat(getpid())?.startTime)

    /// This machine's name, as records of processes name it (looked up once).
    static let hostName = ProcessInfo.processInfo.hostName

    /// Whether this process still runs: the pid exists, is not a zombie, and started when
    /// this one did.
    var isAlive: Bool {
        guard let stat = Self.stat(pid), stat.state != "Z", stat.state != "X" else { return false }
        return startTime == nil || stat.startTime == startTime
    }

    /// The state letter, process group and start time of `pid`, or `nil` when it is gone.
    static func stat(_ pid: Int32) -> (state: Character, group: Int32, startTime: UInt64)? {
        guard let data = FileManager.default.contents(atPath: "/proc/\(pid)/stat"),
              let text = String(data: data, encoding: .utf8),
              let close = text.lastIndex(of: ")") else { return nil }
        // After "pid (comm)": state, ppid, pgrp, ...; the start time is field 22 of the whole line.
        let fields = text[text.index(after: close)...].split(separator: " ")
        guard fields.count > 19, let state = fields[0].first, let group = Int32(fields[2]),
              let start = UInt64(fields[19]) else { return nil }
        return (state, group, start)
    }

    /// The live processes (zombies excluded) whose process group is `group`.
    static func members(ofGroup group: Int32) -> [Int32] {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return entries.compactMap { entry in
            guard let pid = Int32(entry), let stat = stat(pid), stat.group == group,
                  stat.state != "Z", stat.state != "X" else { return nil }
            return pid
        }
    }

    /// Whether `pid`'s environment (as it was at its exec) holds exactly `entry` (`NAME=value`).
    static func environment(of pid: Int32, contains entry: String) -> Bool {
        guard let data = FileManager.default.contents(atPath: "/proc/\(pid)/environ") else { return false }
        return data.split(separator: 0).contains { $0.elementsEqual(entry.utf8) }
    }
}
