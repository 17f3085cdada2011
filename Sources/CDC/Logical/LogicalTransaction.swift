import Postgres

/// A committed transaction of the stream, whole: what the capture writes to bronze as
/// one unit, and confirms (`endLSN`) once its bookmark is written.
struct LogicalTransaction: Equatable {
    var xid: UInt32
    var commitLSN: LSN
    var endLSN: LSN
    /// Microseconds since 2000-01-01 UTC.
    var commitTime: Int64
    var changes: LogicalChanges

    init(xid: UInt32, commitLSN: LSN, endLSN: LSN, commitTime: Int64, changes: [LogicalChange]) {
        self.xid = xid
        self.commitLSN = commitLSN
        self.endLSN = endLSN
        self.commitTime = commitTime
        self.changes = LogicalChanges(changes)
    }
}
