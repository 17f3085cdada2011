/// What `medallion verify` found for each table.
public struct VerifyReport: Sendable {
    public struct Table: Sendable {
        public var table: TableName
        /// Rows in the source table (in verify's snapshot).
        public var sourceRows = 0
        /// Keys whose latest bronze state is a live row.
        public var bronzeRows = 0
        /// Bronze change rows read (every version of every key).
        public var bronzeChanges = 0
        public var matching = 0
        /// In the source, not in bronze.
        public var missing = 0
        /// In bronze, not in the source.
        public var extra = 0
        /// In both, with different values.
        public var different = 0
        /// Changes that appear in bronze more than once.
        public var duplicates = 0
        /// A few example keys of each kind of difference, for the user to look at.
        public var examples: [String] = []
        /// Source columns that capture does not write (DDL capture could not follow: a
        /// reserved name, or no event trigger and no install since): bronze lacks them.
        public var uncapturedColumns: [String] = []

        public var isClean: Bool { missing == 0 && extra == 0 && different == 0 && duplicates == 0 && uncapturedColumns.isEmpty }
    }

    public var tables: [Table]
    /// The bronze batch verified against.
    public var batch: UInt64

    public var isClean: Bool { tables.allSatisfy(\.isClean) }
}
