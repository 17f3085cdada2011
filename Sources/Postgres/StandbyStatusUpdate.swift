#if canImport(Glibc)
import Glibc
#endif

/// The client's `r` message: how far it has received, stored and applied the stream.
/// The server keeps WAL from the slot's confirmed position (`flush`) on, and starts
/// there when the client reconnects.
package struct StandbyStatusUpdate: Hashable, Sendable {
    /// The end of the last WAL data received.
    package var write: LSN
    /// Everything before this is stored for good; the slot's confirmed flush position.
    package var flush: LSN
    package var apply: LSN
    /// Microseconds since 2000-01-01 UTC.
    package var clock: Int64
    /// Asks the server to answer with a keepalive at once.
    package var replyRequested: Bool = false

    package init(write: LSN, flush: LSN, apply: LSN, clock: Int64, replyRequested: Bool = false) {
        self.write = write
        self.flush = flush
        self.apply = apply
        self.clock = clock
        self.replyRequested = replyRequested
    }

    /// The CopyData payload (34 bytes).
    package var encoded: [UInt8] {
        var bytes: [UInt8] = [UInt8(ascii: "r")]
        bytes.reserveCapacity(34)
        for value in [write.rawValue, flush.rawValue, apply.rawValue, UInt64(bitPattern: clock)] {
            withUnsafeBytes(of: value.bigEndian) { bytes.append(contentsOf: $0) }
        }
        bytes.append(replyRequested ? 1 : 0)
        return bytes
    }
}

extension StandbyStatusUpdate {
    /// Now, as the protocol counts time: microseconds since 2000-01-01 UTC.
    package static func clockNow() -> Int64 {
        var time = timespec()
        clock_gettime(CLOCK_REALTIME, &time)
        return (Int64(time.tv_sec) - 946_684_800) * 1_000_000 + Int64(time.tv_nsec) / 1000
    }
}
