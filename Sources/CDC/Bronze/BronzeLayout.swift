/// Where bronze keeps its files in the lake.
enum BronzeLayout {
    static let root = "bronze"
    static let bookmark = "bronze/bookmark"
    static let intent = "bronze/_cdc/intent.json"
    static let commits = "bronze/_cdc/commits"
    /// The compaction in flight, if any.
    static let compactionIntent = "bronze/_cdc/compaction.json"
    /// One record per finished compaction, by table and day.
    static let compactions = "bronze/_cdc/compactions"
    /// How many commit records are kept; older ones are compacted away (the bookmark
    /// and the batch number in every file name carry what readers need).
    static let retainedCommitRecords: UInt64 = 1_000

    static func tableDirectory(_ table: TableName) -> String {
        "\(root)/\(table.lakeName)"
    }

    static func partition(_ table: TableName, date: String) -> String {
        "\(tableDirectory(table))/date=\(date)"
    }

    static func fileName(batch: UInt64, index: Int) -> String {
        "part-\(paddedBatch(batch))-\(String(index).leftPadded(to: 4)).parquet"
    }

    /// A merged file: named by the last batch it holds (what `batch(ofFile:)` reads, so
    /// readers that filter by batch keep working) and the first.
    static func compactedFileName(first: UInt64, last: UInt64) -> String {
        "part-\(paddedBatch(last))-c\(paddedBatch(first)).parquet"
    }

    /// Where a partition's new content is built: under `_cdc`, outside every reader's glob
    /// and on the same file system as the partition.
    static func compactionStaging(table: String, date: String) -> String {
        "\(root)/_cdc/compacting/\(table)/date=\(date)"
    }

    static func compactionRecord(table: String, date: String, output: String) -> String {
        "\(compactions)/\(table)/date=\(date)/\(output.hasSuffix(".parquet") ? String(output.dropLast(8)) : output).json"
    }

    static func commitRecord(_ batch: UInt64) -> String {
        "\(commits)/\(paddedBatch(batch)).json"
    }

    static func paddedBatch(_ batch: UInt64) -> String {
        String(batch).leftPadded(to: 20)
    }

    /// The batch number in a bronze file name, if it is one.
    static func batch(ofFile name: String) -> UInt64? {
        guard name.hasPrefix("part-"), name.hasSuffix(".parquet") else { return nil }
        return UInt64(name.dropFirst(5).prefix(20))
    }

    /// The batches a bronze file holds: one for a batch's file, a range for a merged one.
    static func batchRange(ofFile name: String) -> ClosedRange<UInt64>? {
        guard let last = batch(ofFile: name) else { return nil }
        let rest = name.dropFirst(5 + 20)
        if rest.hasPrefix("-c"), let first = UInt64(rest.dropFirst(2).prefix(20)), first <= last {
            return first...last
        }
        return last...last
    }
}

extension String {
    func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}
