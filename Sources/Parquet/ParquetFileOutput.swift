#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Writes the file through a plain POSIX file descriptor (created or truncated).
public struct ParquetFileOutput: ParquetOutput, Sendable {
    public let path: String
    /// When true, ``finish()`` calls `fsync` before closing.
    public var syncOnClose: Bool
    private var descriptor: Int32

    public init(path: String, syncOnClose: Bool = false) throws {
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else {
            throw ParquetError(.io, "cannot open \(path): \(String(cString: strerror(errno)))")
        }
        self.path = path
        self.syncOnClose = syncOnClose
        self.descriptor = fd
    }

    public mutating func write(_ bytes: UnsafeRawBufferPointer) throws {
        guard descriptor >= 0 else { throw ParquetError(.io, "\(path) is closed") }
        guard var base = bytes.baseAddress else { return }
        var remaining = bytes.count
        while remaining > 0 {
            let written = posixWrite(descriptor, base, remaining)
            if written < 0 {
                if errno == EINTR { continue }
                throw ParquetError(.io, "write to \(path) failed: \(String(cString: strerror(errno)))")
            }
            remaining -= written
            base += written
        }
    }

    public mutating func finish() throws {
        guard descriptor >= 0 else { return }
        defer { descriptor = -1 }
        if syncOnClose, fsync(descriptor) != 0 {
            let message = String(cString: strerror(errno))
            _ = close(descriptor)
            throw ParquetError(.io, "fsync of \(path) failed: \(message)")
        }
        if close(descriptor) != 0 {
            throw ParquetError(.io, "close of \(path) failed: \(String(cString: strerror(errno)))")
        }
    }

    public mutating func abandon() {
        if descriptor >= 0 {
            _ = close(descriptor)
            descriptor = -1
        }
    }
}

// File scope, so `write` resolves to the C function rather than the method above.
private func posixWrite(_ fd: Int32, _ buffer: UnsafeRawPointer, _ count: Int) -> Int {
    write(fd, buffer, count)
}
