/// A lake that can swap two directories in one atomic step, and link a file under a
/// second name without copying it.
///
/// Bronze compaction needs both to replace a partition's small files by merged ones
/// while a reader listing the partition sees either the old set or the new one.
public protocol DirectoryExchanging: LakeStorage {
    /// Swaps two existing directories atomically: a lister of either path sees the old
    /// content or the new, never neither.
    func exchangeDirectories(_ first: String, _ second: String) throws

    /// Gives the file at `source` a second name `target` (a hard link, or a copy where
    /// the lake has none); the target must not exist.
    func link(_ source: String, to target: String) throws
}
