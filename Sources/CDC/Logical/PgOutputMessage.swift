import Postgres

/// One message of the `pgoutput` plugin, protocol version 1 (what an XLogData
/// message carries when replicating from a pgoutput slot).
enum PgOutputMessage: Hashable, Sendable {
    /// Start of a transaction; its changes follow, then `commit`.
    case begin(Begin)
    case commit(Commit)
    /// The transaction was replicated from another server (logical replication origin).
    case origin(commitLSN: LSN, name: String)
    /// A table's schema; sent before its first change and after every change to it.
    case relation(LogicalRelation)
    /// A data type's name, sent before a relation that uses a non built-in type.
    case type(oid: UInt32, namespace: String, name: String)
    case insert(relationID: UInt32, new: LogicalTuple)
    /// `old` is the key image when a key column changed (replica identity default or
    /// index), or the whole old row with `REPLICA IDENTITY FULL`; nil otherwise.
    case update(relationID: UInt32, old: OldImage?, new: LogicalTuple)
    case delete(relationID: UInt32, old: OldImage)
    case truncate(relationIDs: [UInt32], options: TruncateOptions)
    /// A `pg_logical_emit_message` (only with the `messages` option).
    case message(transactional: Bool, lsn: LSN, prefix: String, content: [UInt8])

    struct Begin: Hashable, Sendable {
        /// The LSN of the commit record: the same as the matching `Commit.commitLSN`.
        var finalLSN: LSN
        /// Microseconds since 2000-01-01 UTC.
        var commitTime: Int64
        var xid: UInt32
    }

    struct Commit: Hashable, Sendable {
        var flags: UInt8
        /// Where the commit record starts.
        var commitLSN: LSN
        /// Just past the commit record: the position to confirm once the
        /// transaction is safely stored, so that the slot does not send it again.
        var endLSN: LSN
        /// Microseconds since 2000-01-01 UTC.
        var commitTime: Int64
    }

    /// An old row image of an update or delete.
    enum OldImage: Hashable, Sendable {
        /// `K`: only the replica identity columns hold values; the others are null.
        case key(LogicalTuple)
        /// `O`: every column (`REPLICA IDENTITY FULL`).
        case full(LogicalTuple)

        var tuple: LogicalTuple {
            switch self {
            case .key(let tuple), .full(let tuple): tuple
            }
        }
    }

    struct TruncateOptions: OptionSet, Hashable, Sendable {
        var rawValue: UInt8
        static let cascade = TruncateOptions(rawValue: 1)
        static let restartIdentity = TruncateOptions(rawValue: 2)
    }
}
