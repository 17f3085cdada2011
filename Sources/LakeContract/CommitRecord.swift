/// A committed batch's record (`LakePaths.commitRecord`), as its readers take it: which
/// files the batch wrote, per source table. Silver reads a run's files from these instead
/// of listing bronze. The daemon's record is its batch intent with the byte counts
/// filled in, so it carries more fields (the ranges and columns) than readers need.
public struct CommitRecord: Sendable, Hashable, Codable {
    public var batch: UInt64
    public var tables: [Table]

    public init(batch: UInt64, tables: [Table]) {
        self.batch = batch
        self.tables = tables
    }

    public struct Table: Sendable, Hashable, Codable {
        public var table: Source
        public var files: [BronzeFile]

        public init(table: Source, files: [BronzeFile]) {
            self.table = table
            self.files = files
        }
    }

    /// The source table, as the record names it.
    public struct Source: Sendable, Hashable, Codable {
        public var schema: String
        public var name: String

        public init(schema: String = "public", name: String) {
            self.schema = schema
            self.name = name
        }
    }
}
