import Postgres

/// One row change (or a table's truncation) of a committed transaction, with its
/// place in the stream.
///
/// pgoutput (protocol 1) sends each transaction whole, at its commit, in commit order;
/// `(commitLSN, index)` therefore orders every change of the stream, and so every
/// change of one key (a second writer of a row waits for the first one's commit).
struct LogicalChange: Hashable, Sendable {
    enum Operation: Hashable, Sendable {
        case insert(new: LogicalTuple)
        case update(old: PgOutputMessage.OldImage?, new: LogicalTuple)
        case delete(old: PgOutputMessage.OldImage)
        case truncate(PgOutputMessage.TruncateOptions)
    }

    var xid: UInt32
    /// The transaction's commit LSN (from Begin); the same for all its changes.
    var commitLSN: LSN
    /// 0-based position in the transaction (a truncate of several tables counts one per table).
    var index: Int
    /// The WAL record the change was decoded from; a multi-row insert's rows share one.
    var walPosition: LSN
    var relation: LogicalRelation
    var operation: Operation
}
