/// Where bronze keeps its files in the lake.
enum BronzeLayout {
    static let root = "bronze"
    static let bookmark = "bronze/bookmark"
    static let intent = "bronze/_cdc/intent.json"
    static let commits = "bronze/_cdc/commits"
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
}

extension String {
    func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}
