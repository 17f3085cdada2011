import LakeContract

/// Where bronze keeps its daemon-private files in the lake (the names readers share are
/// in LakeContract's `LakePaths`).
enum BronzeLayout {
    static let intent = "bronze/_cdc/intent.json"
    /// The compaction in flight, if any.
    static let compactionIntent = "bronze/_cdc/compaction.json"
    /// One record per finished compaction, by table and day.
    static let compactions = "bronze/_cdc/compactions"
    /// How many commit records are kept; older ones are compacted away (the bookmark
    /// and the batch number in every file name carry what readers need).
    static let retainedCommitRecords: UInt64 = 1_000

    static func tableDirectory(_ table: TableName) -> String {
        "\(LakePaths.bronze)/\(table.lakeName)"
    }

    static func partition(_ table: TableName, date: String) -> String {
        "\(tableDirectory(table))/date=\(date)"
    }

    /// Where a partition's new content is built: under `_cdc`, outside every reader's glob
    /// and on the same file system as the partition.
    static func compactionStaging(table: String, date: String) -> String {
        "\(LakePaths.bronze)/_cdc/compacting/\(table)/date=\(date)"
    }

    static func compactionRecord(table: String, date: String, output: String) -> String {
        "\(compactions)/\(table)/date=\(date)/\(output.hasSuffix(".parquet") ? String(output.dropLast(8)) : output).json"
    }

}

extension String {
    func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}
