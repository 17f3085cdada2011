import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// The line protocol between the daemon and the warm driver over a loopback TCP socket:
/// the daemon listens, the driver connects and says `HELLO <token>`, then each
/// `REFRESH <id>` is answered by one `RESULT <json>` line.
///
/// The token proves the connection comes from our driver, so it must reach the driver
/// alone: not on its command line or in its environment, which `/proc` shows. Spark
/// passes neither its stdin nor other descriptors on to the Python driver, so the token
/// goes through a named pipe in the private log directory (0600, a fresh name per
/// driver): the driver opens it first thing, the daemon writes the token once the driver
/// is reading and removes the pipe.
///
/// One run at a time uses the channel; its connection state sits behind a lock so that
/// the channel can be shared with the runner's state all the same.
final class DriverChannel: Sendable {
    /// The connection to the driver and what was read from it but not yet taken.
    private struct Connection: Sendable {
        var socket: Int32 = -1
        var buffer: [UInt8] = []
        var tokenHandedOver = false

        mutating func disconnect() {
            if socket >= 0 { close(socket) }
            socket = -1
        }
    }

    private let listener: Int32
    private let connection = Mutex(Connection())
    /// The port the driver connects to.
    let port: Int
    /// The secret the driver must present, so no other local process can take its place.
    let token = UUID().uuidString
    /// The named pipe the driver reads `token` from (`driver.py serve --token-pipe`).
    let tokenPipe: String

    /// A channel listening on 127.0.0.1, its token pipe created in `directory`.
    init(directory: String) throws(StageError) {
        let pipe = "\(directory)/.medallion-driver-\(UUID().uuidString).pipe"
        guard mkfifo(pipe, 0o600) == 0 else {
            throw StageError(.driverStart, message: "Cannot create the Spark driver's token pipe in \(directory): \(String(cString: strerror(errno))).")
        }
        tokenPipe = pipe
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else {
            unlink(pipe)
            throw StageError(.driverStart, message: "Cannot create a socket for the Spark driver.")
        }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) == 0 && listen(fd, 4) == 0 }
        }
        guard bound else {
            close(fd)
            unlink(pipe)
            throw StageError(.driverStart, message: "Cannot listen on 127.0.0.1 for the Spark driver.")
        }
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        listener = fd
        port = Int(UInt16(bigEndian: address.sin_port))
    }

    deinit {
        disconnect()
        close(listener)
        unlink(tokenPipe)
    }

    /// Waits for the driver to connect and greet; `alive` is checked between short waits
    /// so a driver that dies on start is noticed at once. Returns false on timeout or death.
    func accept(until deadline: ContinuousClock.Instant, alive: () -> Bool) -> Bool {
        connection.withLock { connection in
            connection.disconnect()
            while alive(), deadline > .now {
                handOverToken(&connection)
                guard Self.ready(listener, until: min(deadline, .now + .milliseconds(200))) else { continue }
                let fd = Glibc.accept(listener, nil, nil)
                guard fd >= 0 else { continue }
                _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
                connection.socket = fd
                connection.buffer = []
                if Self.readLine(&connection, until: min(deadline, .now + .seconds(10)), alive: alive) == "HELLO \(token)" { return true }
                connection.disconnect()
            }
            return false
        }
    }

    /// Sends one line; false if the driver is gone.
    func send(_ line: String) -> Bool {
        connection.withLock { connection in
            guard connection.socket >= 0 else { return false }
            var bytes = Array((line + "\n").utf8)[...]
            while !bytes.isEmpty {
                let written = bytes.withUnsafeBytes { Glibc.send(connection.socket, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
                if written < 0 && errno == EINTR { continue }
                guard written > 0 else { return false }
                bytes = bytes.dropFirst(written)
            }
            return true
        }
    }

    /// The next line from the driver; `nil` on timeout, end of stream or death.
    func readLine(until deadline: ContinuousClock.Instant, alive: () -> Bool) -> String? {
        connection.withLock { Self.readLine(&$0, until: deadline, alive: alive) }
    }

    /// Closes the connection: the driver sees end of stream and exits.
    func disconnect() {
        connection.withLock { $0.disconnect() }
    }

    private static func readLine(_ connection: inout Connection, until deadline: ContinuousClock.Instant, alive: () -> Bool) -> String? {
        while connection.socket >= 0 {
            if let newline = connection.buffer.firstIndex(of: 0x0A) {
                let line = String(decoding: connection.buffer[..<newline], as: UTF8.self)
                connection.buffer.removeSubrange(...newline)
                return line
            }
            guard alive(), deadline > .now else { return nil }
            guard ready(connection.socket, until: min(deadline, .now + .milliseconds(200))) else { continue }
            var chunk = [UInt8](repeating: 0, count: 8192)
            let count = chunk.withUnsafeMutableBytes { recv(connection.socket, $0.baseAddress, $0.count, 0) }
            if count < 0 && errno == EINTR { continue }
            guard count > 0 else {
                connection.disconnect()
                return nil
            }
            connection.buffer.append(contentsOf: chunk[..<count])
        }
        return nil
    }

    /// Writes the token into the pipe once the driver has it open for reading (until then
    /// opening it to write fails with ENXIO), then removes the pipe.
    private func handOverToken(_ connection: inout Connection) {
        guard !connection.tokenHandedOver else { return }
        let fd = open(tokenPipe, O_WRONLY | O_NONBLOCK | O_CLOEXEC | O_NOFOLLOW)
        guard fd >= 0 else { return }
        defer { close(fd) }
        let line = Array("\(token)\n".utf8)
        if line.withUnsafeBytes({ write(fd, $0.baseAddress, $0.count) }) == line.count {
            connection.tokenHandedOver = true
            unlink(tokenPipe)
        }
    }

    private static func ready(_ fd: Int32, until deadline: ContinuousClock.Instant) -> Bool {
        var entry = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        let milliseconds = max(0, (deadline - .now).milliseconds)
        return poll(&entry, 1, Int32(milliseconds)) > 0
    }
}
