/// A transaction snapshot as `pg_current_snapshot()` prints it (`xmin:xmax:xip,...`),
/// answering which transactions' changes it sees.
struct PostgresSnapshot: Sendable, Hashable {
    var xmin: UInt64
    var xmax: UInt64
    var inProgress: Set<UInt64>

    init(xmin: UInt64, xmax: UInt64, inProgress: Set<UInt64>) {
        self.xmin = xmin
        self.xmax = xmax
        self.inProgress = inProgress
    }

    init?(_ text: String) {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 3, let xmin = UInt64(parts[0]), let xmax = UInt64(parts[1]) else { return nil }
        self.init(xmin: xmin, xmax: xmax, inProgress: Set(parts[2].split(separator: ",").compactMap { UInt64($0) }))
    }

    /// Whether a committed transaction's changes are visible in this snapshot.
    func sees(_ txid: UInt64) -> Bool {
        if txid < xmin { return true }
        if txid >= xmax { return false }
        return !inProgress.contains(txid)
    }
}
