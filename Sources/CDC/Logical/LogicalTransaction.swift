import Postgres

/// A committed transaction of the stream, whole: what the capture writes to bronze as
/// one unit, and confirms (`endLSN`) once its bookmark is written.
struct LogicalTransaction: Hashable, Sendable {
    var xid: UInt32
    var commitLSN: LSN
    var endLSN: LSN
    /// Microseconds since 2000-01-01 UTC.
    var commitTime: Int64
    var changes: [LogicalChange]
}
