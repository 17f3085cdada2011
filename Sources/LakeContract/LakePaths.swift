/// Where the lake keeps what its writers and readers share: the daemon (bronze), the Spark
/// jobs (silver, gold; `spark-jobs/contract.py` holds the same names, and
/// `LakeContractTests` keeps the two in step), the dashboard and `status`.
public enum LakePaths {
    public static let bronze = "bronze"
    /// The bronze commit point: the last committed batch (JSON).
    public static let bronzeBookmark = "bronze/bookmark"
    /// One JSON record per committed batch, naming its files.
    public static let bronzeCommits = "bronze/_cdc/commits"
    public static let silverBookmark = "silver/_state/bookmark.json"
    /// What each silver run changed, for gold.
    public static let silverChanges = "silver/_state/changes"
    public static let goldMarker = "gold/_marker.json"
    public static let goldBranchMetrics = "gold/branch_metrics.json"
    public static let goldBranchDaily = "gold/branch_daily.json"
    /// The Spark CSV directory of the branch metrics (older gold has no JSON).
    public static let goldBranchMetricsCSV = "gold/branch_metrics"
    /// A one-shot driver's run result (`driver.py once --result-name`), for the runner
    /// whose driver runs on a cluster's worker.
    public static let stageResults = "gold/_state/results"

    /// The result of the run named `name` (see `isStageResultName`).
    public static func stageResult(_ name: String) -> String {
        "\(stageResults)/\(name).json"
    }

    /// 1–64 ASCII letters, digits or dashes: a name no path can hide in.
    public static func isStageResultName(_ name: String) -> Bool {
        (1...64).contains(name.utf8.count)
            && name.utf8.allSatisfy { ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x41 && $0 <= 0x5A) || ($0 >= 0x61 && $0 <= 0x7A) || $0 == 0x2D }
    }

    /// The commit record of `batch`.
    public static func commitRecord(_ batch: UInt64) -> String {
        "\(bronzeCommits)/\(paddedBatch(batch)).json"
    }

    /// A bronze data file's name: `part-<batch, 20 digits>-<index, 4 digits>.parquet`.
    public static func bronzeFileName(batch: UInt64, index: Int) -> String {
        "part-\(paddedBatch(batch))-\(padded(String(index), to: 4)).parquet"
    }

    /// A file compaction merged: named by the last batch it holds (what `batch(ofFile:)`
    /// reads, so readers that filter by batch keep working) and the first.
    public static func compactedFileName(first: UInt64, last: UInt64) -> String {
        "part-\(paddedBatch(last))-c\(paddedBatch(first)).parquet"
    }

    /// The batches a bronze file holds: one for a batch's file, a range for a merged one.
    public static func batchRange(ofFile name: String) -> ClosedRange<UInt64>? {
        guard let last = batch(ofFile: name) else { return nil }
        let rest = name.dropFirst(5 + 20)
        if rest.hasPrefix("-c"), let first = UInt64(rest.dropFirst(2).prefix(20)), first <= last {
            return first...last
        }
        return last...last
    }

    /// The batch number in a bronze file name, if it is one.
    public static func batch(ofFile name: String) -> UInt64? {
        guard name.hasPrefix("part-"), name.hasSuffix(".parquet") else { return nil }
        return UInt64(name.dropFirst(5).prefix(20))
    }

    public static func paddedBatch(_ batch: UInt64) -> String {
        padded(String(batch), to: 20)
    }

    private static func padded(_ text: String, to width: Int) -> String {
        text.count >= width ? text : String(repeating: "0", count: width - text.count) + text
    }
}
