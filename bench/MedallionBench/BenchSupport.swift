import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

struct BenchUsageError: Error, CustomStringConvertible {
    var description: String
}

/// `--name value` options.
struct BenchOptions {
    private var values: [String: String] = [:]

    init(_ arguments: [String], allowed: Set<String>) throws {
        var index = 0
        while index < arguments.count {
            let key = arguments[index]
            guard key.hasPrefix("--"), allowed.contains(String(key.dropFirst(2))), index + 1 < arguments.count else {
                throw BenchUsageError(description: "unexpected argument \(key); options: \(allowed.sorted().map { "--" + $0 }.joined(separator: " "))")
            }
            values[String(key.dropFirst(2))] = arguments[index + 1]
            index += 2
        }
    }

    func int(_ name: String, default value: Int) throws -> Int {
        guard let text = values[name] else { return value }
        guard let number = Int(text.replacingOccurrences(of: "_", with: "")) else {
            throw BenchUsageError(description: "--\(name) needs an integer")
        }
        return number
    }

    func string(_ name: String, default value: String) -> String { values[name] ?? value }
}

enum ResourceUsage {
    /// Peak resident set size of this process, in bytes.
    static var peakRSS: Int {
        var usage = rusage()
        #if canImport(Darwin)
        getrusage(RUSAGE_SELF, &usage)
        return Int(usage.ru_maxrss)
        #else
        getrusage(Int32(RUSAGE_SELF.rawValue), &usage)
        return Int(usage.ru_maxrss) * 1024
        #endif
    }

    /// Current resident set size, in bytes (Linux; 0 elsewhere).
    static var currentRSS: Int {
        guard let statm = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8) else { return 0 }
        let fields = statm.split(separator: " ")
        guard fields.count > 1, let pages = Int(fields[1]) else { return 0 }
        return pages * Int(sysconf(Int32(_SC_PAGESIZE)))
    }

    static func fileSize(_ path: String) -> Int {
        var info = stat()
        return stat(path, &info) == 0 ? Int(info.st_size) : -1
    }

    static func now() -> Double {
        var time = timespec()
        clock_gettime(CLOCK_MONOTONIC, &time)
        return Double(time.tv_sec) + Double(time.tv_nsec) / 1e9
    }

    /// CPU time (user + system) this process has used, in seconds: less swayed than wall
    /// time when other processes compete for the cores.
    static func cpuTime() -> Double {
        var time = timespec()
        clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &time)
        return Double(time.tv_sec) + Double(time.tv_nsec) / 1e9
    }
}

func printError(_ text: String) {
    FileHandle.standardError.write(Data(text.utf8))
}
