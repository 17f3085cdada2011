import LakeContract

/// What `medallion status` shows: where bronze is, what waits, who holds the watermark.
public struct StatusReport: Sendable, Codable {
    public struct TableBacklog: Sendable, Codable {
        public var table: String
        /// The last change in bronze.
        public var bookmark: TablePosition
        /// Captured changes not yet in bronze.
        public var backlogRows: Int
        /// Source columns capture does not write (DDL it could not follow); nil when none.
        public var uncapturedColumns: [String]? = nil
        /// True when the source has no table of this name (renamed or dropped since
        /// install); nil otherwise.
        public var sourceMissing: Bool? = nil
    }

    /// The oldest running transaction: every change after it waits until it ends.
    public struct WatermarkHolder: Sendable, Codable {
        public var pid: Int
        public var transactionAgeSeconds: Double
        public var queryStart: String?
        public var state: String?
        public var applicationName: String?
        public var query: String?
    }

    /// Logical capture's replication slot, as `pg_replication_slots` shows it.
    public struct Slot: Sendable, Codable {
        public var name: String
        public var active: Bool
        public var confirmedFlushLSN: String?
        /// WAL the slot holds back.
        public var retainedWalBytes: Int64?
        /// WAL from the confirmed position to the server's current one.
        public var lagBytes: Int64?
        /// `lost`: invalidated (see "Logical capture" in the README).
        public var walStatus: String?
    }

    public var lake: String
    public var bookmark: Bookmark
    /// Seconds since the last commit (nil before the first).
    public var lastCommitAgeSeconds: Double?
    public var daemon: DaemonLease?
    /// Whether the lease is fresh (a daemon is running against this lake).
    public var daemonRunning: Bool
    public var tables: [TableBacklog]
    public var watermarkHolder: WatermarkHolder?
    /// Whether this role can see other roles' open transactions (superuser or a member of
    /// `pg_read_all_stats`); without that, `watermarkHolder` can be missing while one holds it.
    public var watermarkVisible: Bool?
    /// `trigger` or `logical` (nil when the database could not be asked).
    public var captureMode: String?
    /// Logical capture only; nil in trigger mode and when the slot is missing.
    public var slot: Slot?
    /// The database could not be asked (the lake part is still shown).
    public var databaseError: String?
}
