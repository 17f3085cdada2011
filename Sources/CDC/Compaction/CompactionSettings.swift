/// How bronze compaction merges small files (`medallion compact`, and the daemon's schedule).
public struct CompactionSettings: Sendable {
    /// The size a merged file grows to; files at least this large are left alone.
    public var targetBytes = 128 << 20
    /// A partition (one table's day, UTC) is closed, and may be compacted, this long after
    /// its day ended.
    public var grace: Duration = .seconds(3600)
    /// How often the daemon looks for closed partitions to compact (`nil`: never).
    public var interval: Duration? = .seconds(600)
    /// Whether silver consumes this lake even before it has a bookmark (the daemon runs the
    /// stages): then nothing is merged until silver has read it.
    public var silverConsumes = false

    public init() {}
}
