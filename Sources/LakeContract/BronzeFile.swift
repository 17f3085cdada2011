/// One Parquet file of a bronze batch.
public struct BronzeFile: Sendable, Hashable, Codable {
    /// The lake path (`bronze/orders/date=2026-11-26/part-…parquet`).
    public var path: String
    public var rows: Int
    public var bytes: Int

    public init(path: String, rows: Int, bytes: Int) {
        self.path = path
        self.rows = rows
        self.bytes = bytes
    }
}
