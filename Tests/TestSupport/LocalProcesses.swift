import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// What runs on this machine, for tests that check a tear-down left nothing behind.
public enum LocalProcesses {
    /// The processes (other than this one) whose command line or environment contains
    /// `text`, as `pid: command line`.
    public static func mentioning(_ text: String) -> [String] {
        let own = getpid()
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return entries.compactMap { entry -> String? in
            guard let pid = Int32(entry), pid != own else { return nil }
            let commandLine = read("/proc/\(entry)/cmdline")
            guard !commandLine.isEmpty else { return nil }  // a kernel thread or a zombie
            guard commandLine.contains(text) || read("/proc/\(entry)/environ").contains(text) else { return nil }
            return "\(pid): \(commandLine)"
        }
    }

    /// The live processes descended from `pid` (children, their children, ...).
    public static func descendants(of pid: Int32) -> [Int32] {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        var parents: [Int32: Int32] = [:]
        for entry in entries {
            guard let child = Int32(entry), isAlive(child) else { continue }
            let stat = read("/proc/\(entry)/stat")
            guard let close = stat.lastIndex(of: ")") else { continue }
            let fields = stat[stat.index(after: close)...].split(separator: " ")
            if fields.count > 1, let parent = Int32(fields[1]) { parents[child] = parent }
        }
        var found: [Int32] = []
        var frontier: Set<Int32> = [pid]
        while !frontier.isEmpty {
            let next = parents.filter { frontier.contains($0.value) }.map(\.key)
            found += next
            frontier = Set(next)
        }
        return found
    }

    /// The command line of `pid`, its arguments separated by spaces.
    public static func commandLine(_ pid: Int32) -> String { read("/proc/\(pid)/cmdline") }

    /// The environment `pid` was started with, its entries separated by spaces.
    public static func environment(_ pid: Int32) -> String { read("/proc/\(pid)/environ") }

    /// Whether process `pid` exists and has not exited (a zombie has).
    public static func isAlive(_ pid: Int32) -> Bool {
        let stat = read("/proc/\(pid)/stat")
        guard let close = stat.lastIndex(of: ")") else { return false }
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        return fields.first.map { $0 != "Z" && $0 != "X" } ?? false
    }

    /// Whether something accepts TCP connections on 127.0.0.1:`port`.
    public static func isListening(port: Int) -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        return connectLoopback(fd, port: port)
    }

    /// Connects the TCP socket `fd` to 127.0.0.1:`port`; whether it connected.
    public static func connectLoopback(_ fd: Int32, port: Int) -> Bool {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        return connected == 0
    }

    private static func read(_ path: String) -> String {
        guard let data = FileManager.default.contents(atPath: path) else { return "" }
        return String(decoding: data.map { $0 == 0 ? 0x20 : $0 }, as: UTF8.self)
    }
}
