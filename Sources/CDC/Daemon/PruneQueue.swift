import LakeContract

/// What the pruner still has to delete, and when, free of I/O: the committed batches'
/// rows per table, whether a request may wait (a backlog is draining, for at most
/// `maximumDeferral`), how the next DELETE is cut, and what a failed one puts back.
struct PruneQueue: Sendable {
    /// A committed batch's rows of one table: everything up to `to`.
    struct Step: Sendable, Equatable {
        /// The bookmark before the batch; nil for a prune of everything up to `to`.
        var from: TablePosition?
        var to: TablePosition
        var rows: Int
        var batch: UInt64
    }

    /// One DELETE: a table's rows in (`from`, `to`], or all rows up to `to` in chunks when
    /// how many that is is unknown (`from` nil: on start, after a crash).
    struct Delete: Sendable, Equatable {
        var table: TableName
        var from: TablePosition?
        var to: TablePosition
        /// The steps it covers, counted once it succeeds.
        var steps: Int
        var rows: Int
    }

    let maximumDeferral: Duration
    let chunkRows: Int
    private(set) var steps: [TableName: [Step]] = [:]
    /// Rows of committed batches not deleted yet, taken for a DELETE or not.
    private(set) var pendingRows: [TableName: Int] = [:]
    /// When the oldest request not yet taken arrived, while requests are deferred.
    private(set) var deferredSince: ContinuousClock.Instant?

    init(maximumDeferral: Duration, chunkRows: Int) {
        self.maximumDeferral = maximumDeferral
        self.chunkRows = chunkRows
    }

    /// Queues every table's rows of a committed batch; returns whether the pruner should
    /// start now (false: `draining`, more rows are waiting to be read, and the oldest
    /// deferred request is younger than `maximumDeferral`).
    mutating func add(_ intent: BatchIntent, draining: Bool, now: ContinuousClock.Instant) -> Bool {
        for range in intent.tables where range.rows > 0 {
            steps[range.table, default: []].append(Step(from: range.from, to: range.to, rows: range.rows, batch: intent.batch))
            pendingRows[range.table, default: 0] += range.rows
        }
        let since = deferredSince ?? now
        guard draining, now - since < maximumDeferral else {
            deferredSince = nil
            return true
        }
        deferredSince = since
        return false
    }

    /// Queues a prune of every row at or below `positions` (on start: what a crash left
    /// behind the bookmark `batch`); the pruner should start now.
    mutating func add(through positions: [(TableName, TablePosition)], batch: UInt64) {
        for (table, position) in positions {
            steps[table, default: []].append(Step(from: nil, to: position, rows: 0, batch: batch))
        }
    }

    /// Takes everything queued, for one turn of the pruner.
    mutating func take() -> [TableName: [Step]] {
        defer { steps = [:] }
        return steps
    }

    /// Puts back the steps a failed turn did not delete, ahead of those queued meanwhile.
    mutating func putBack(_ remaining: [TableName: [Step]]) {
        for (table, left) in remaining where !left.isEmpty {
            steps[table] = left + (steps[table] ?? [])
        }
    }

    /// `rows` of `table` were deleted; returns how many are still pending.
    mutating func deleted(_ rows: Int, of table: TableName) -> Int {
        // A truncated partition can hold rows no request counted (the initial snapshot's).
        pendingRows[table] = max(0, pendingRows[table, default: 0] - rows)
        return pendingRows[table]!
    }

    /// The next DELETE for a table's `steps` (not empty): whole batches, as many as fit in
    /// `chunkRows` (at least one), bounded below by the first one's start unless a step
    /// covers an unknown number of rows.
    func nextDelete(of table: TableName, _ steps: [Step]) -> Delete {
        var rows = steps[0].rows
        var count = 1
        while count < steps.count, rows + steps[count].rows <= chunkRows {
            rows += steps[count].rows
            count += 1
        }
        let bounded = !steps[..<count].contains { $0.rows == 0 }
        return Delete(table: table, from: bounded ? steps[0].from : nil, to: steps[count - 1].to, steps: count, rows: rows)
    }
}
