import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// A self-pipe that interrupts a `poll` from another thread: the replication reader
/// polls its read end beside the server's socket, and `wakeUp()` makes it readable.
/// A flag beside it lets the reader see a wake-up without a system call while messages
/// keep arriving (it then never polls).
package final class WakeUpPipe: Sendable {
    package let readDescriptor: Int32
    private let writeDescriptor: Int32
    private let pending = Atomic<Bool>(false)

    package init() throws {
        var descriptors: [Int32] = [-1, -1]
        guard pipe(&descriptors) == 0 else {
            throw PostgresError(.connection, message: "Cannot create a wake-up pipe for the replication connection: \(String(cString: strerror(errno))).")
        }
        readDescriptor = descriptors[0]
        writeDescriptor = descriptors[1]
        for descriptor in descriptors {
            _ = fcntl(descriptor, F_SETFD, FD_CLOEXEC)
            _ = fcntl(descriptor, F_SETFL, fcntl(descriptor, F_GETFL) | O_NONBLOCK)
        }
    }

    deinit {
        close(readDescriptor)
        close(writeDescriptor)
    }

    /// Wakes the reader (safe from any thread; several calls before it wakes count once).
    package func wakeUp() {
        pending.store(true, ordering: .releasing)
        var byte: UInt8 = 1
        _ = write(writeDescriptor, &byte, 1)
    }

    /// Whether a wake-up is pending; clears it and empties the pipe.
    package func consume() -> Bool {
        guard pending.exchange(false, ordering: .acquiring) else { return false }
        var buffer = [UInt8](repeating: 0, count: 64)
        while read(readDescriptor, &buffer, buffer.count) > 0 {}
        return true
    }
}
