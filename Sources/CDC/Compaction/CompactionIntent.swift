/// The plan of one partition's compaction, written before anything else
/// (`bronze/_cdc/compaction.json`); once the compaction is done it is kept as its record
/// (`bronze/_cdc/compactions/<table>/date=<day>/<first output>.json`), which maps every
/// old file name to the merged file holding its rows.
struct CompactionIntent: Sendable, Hashable, Codable {
    /// The table's directory name under `bronze/`.
    var table: String
    /// `YYYY-MM-DD`.
    var date: String
    /// The partition directory (`bronze/orders/date=2026-11-26`).
    var partition: String
    /// Where the new partition content is built, outside every reader's glob.
    var staging: String
    /// The highest batch any consumer allowed to merge when this was planned.
    var bound: UInt64
    var outputs: [Output]
    /// Visible files of the partition carried over unchanged (linked into the new content).
    var kept: [String]
    /// Set once every output and kept file is in the staging directory: from then on a
    /// crash is finished (redo), before it the compaction is dropped (undo).
    var staged = false
    var createdAt: String
    var completedAt: String?

    /// One merged file and the files whose rows it holds.
    struct Output: Sendable, Hashable, Codable {
        var name: String
        var firstBatch: UInt64
        var lastBatch: UInt64
        var rows = 0
        var bytes = 0
        var inputs: [Input]
    }

    /// One small file merged away.
    struct Input: Sendable, Hashable, Codable {
        var name: String
        var rows = 0
        var bytes: Int
    }

    var inputCount: Int { outputs.reduce(0) { $0 + $1.inputs.count } }
}
