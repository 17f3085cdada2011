/// What `medallion compact` did, per table.
public struct CompactionReport: Sendable {
    /// One table's visible bronze files before and after.
    public struct Table: Sendable {
        public var table: String
        public var filesBefore = 0
        public var bytesBefore = 0
        public var filesAfter = 0
        public var bytesAfter = 0
        /// Partitions compacted.
        public var compactions = 0
    }

    public var tables: [Table] = []
    /// The highest batch consumers allowed to merge.
    public var bound: UInt64 = 0
}
