import LakeContract

/// The plan of one batch, written before any of its files: the exact range per table,
/// the columns read and the file names. After a crash the batch is redone from it —
/// same range, same names, same bytes — so nothing is lost or duplicated.
struct BatchIntent: Sendable, Hashable, Codable {
    var batch: UInt64
    var watermark: UInt64
    var tables: [TableRange]
    var createdAt: String
    /// Logical capture only (see `Bookmark`; `commitLsn`, not `commitLSN`: the lake JSON is snake case): such a batch is not redone after a crash but
    /// dropped, and the slot, not yet confirmed past it, sends its transactions again.
    var slot: String?
    var commitLsn: String?
    var endLsn: String?

    /// Whether the batch was read from a replication slot.
    var isLogical: Bool { commitLsn != nil }

    struct TableRange: Sendable, Hashable, Codable {
        var table: TableName
        /// Exclusive lower bound: the bookmark before this batch.
        var from: TablePosition
        /// Inclusive upper bound: the last change in this batch.
        var to: TablePosition
        var rows: Int
        /// The source columns read (in bronze order, before the capture columns).
        var columns: [CaptureColumn]
        var files: [BronzeFile]
    }
}
