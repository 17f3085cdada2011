import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A long-running child process (the daemon) whose output is collected, so a test can
/// await a log line, signal it, and wait for it to exit.
public final class ChildProcess: @unchecked Sendable {
    public let pid: pid_t
    private let lock = NSLock()
    private var collected = ""
    private var status: Int32?
    /// The output pipe reached its end: every line the process wrote is in `collected`.
    private var drained = false
    /// The reader is about to block in read(): everything read so far is in `collected`.
    private var readerWaiting = false
    private let readEnd: Int32
    private let changed = NSCondition()

    public init(_ executable: String, _ arguments: [String], environment: [String: String]) throws {
        var fds: [Int32] = [0, 0]
        guard pipe(&fds) == 0 else { throw HarnessError("pipe() failed") }
        let writeEnd = fds[1]
        readEnd = fds[0]
        _ = fcntl(readEnd, F_SETFD, FD_CLOEXEC)
        do {
            pid = try Spawn.start(executable, arguments, environment: environment, stdinPath: "/dev/null",
                                  stdout: .descriptor(writeEnd), stderr: .descriptor(writeEnd))
        } catch {
            close(readEnd)
            close(writeEnd)
            throw error
        }
        close(writeEnd)
        Thread { [self] in
            var buffer = [UInt8](repeating: 0, count: 65536)
            while true {
                changed.lock()
                readerWaiting = true
                changed.broadcast()
                changed.unlock()
                let count = buffer.withUnsafeMutableBytes { read(readEnd, $0.baseAddress, $0.count) }
                if count < 0 && errno == EINTR { continue }
                changed.lock()
                readerWaiting = false
                if count > 0 { collected += String(decoding: buffer[0..<count], as: UTF8.self) }
                changed.broadcast()
                changed.unlock()
                if count <= 0 { break }
            }
            changed.lock()
            drained = true
            changed.broadcast()
            changed.unlock()
            close(readEnd)
        }.start()
        Thread { [self] in
            let code = Spawn.wait(pid)
            changed.lock()
            status = code
            changed.broadcast()
            changed.unlock()
        }.start()
    }

    /// Everything the process printed so far (stdout and stderr).
    public var output: String {
        changed.lock()
        defer { changed.unlock() }
        return collected
    }

    /// Waits until the output contains `text` (`occurrences` times); throws after
    /// `timeout` seconds or if the process exits first.
    public func waitForOutput(_ text: String, occurrences: Int = 1, timeout: Double = 30) throws {
        let deadline = Date().addingTimeInterval(timeout)
        changed.lock()
        defer { changed.unlock() }
        while Self.count(text, in: collected) < occurrences {
            if let status {
                throw HarnessError("the process exited (\(status)) before printing '\(text)':\n\(collected)")
            }
            if !changed.wait(until: deadline) {
                throw HarnessError("timed out after \(timeout)s waiting for '\(text)':\n\(collected)")
            }
        }
    }

    static func count(_ text: String, in output: String) -> Int {
        output.components(separatedBy: text).count - 1
    }

    /// Sends a signal (SIGTERM, SIGKILL, ...).
    public func signal(_ number: Int32) {
        changed.lock()
        let running = status == nil
        changed.unlock()
        if running { kill(pid, number) }
    }

    /// Waits for the process to exit and returns its status (128 + signal when killed by
    /// one); kills it after `timeout`.
    @discardableResult
    public func waitForExit(timeout: Double = 60) throws -> Int32 {
        let deadline = Date().addingTimeInterval(timeout)
        changed.lock()
        defer { changed.unlock() }
        while status == nil {
            if !changed.wait(until: deadline) {
                kill(pid, SIGKILL)
                throw HarnessError("the process did not exit within \(timeout)s:\n\(collected)")
            }
        }
        // What it wrote just before exiting may still be in the pipe: wait until the reader
        // has taken all of it (a child it left running can hold the pipe open, so not for
        // the pipe's end).
        let drainDeadline = Date().addingTimeInterval(5)
        while !drained && !(readerWaiting && !Self.hasData(readEnd)) && changed.wait(until: drainDeadline) {}
        return status!
    }

    private static func hasData(_ descriptor: Int32) -> Bool {
        var request = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
        return poll(&request, 1, 0) > 0 && request.revents & Int16(POLLIN) != 0
    }

    deinit {
        changed.lock()
        let running = status == nil
        changed.unlock()
        if running { kill(pid, SIGKILL) }
    }
}
