import Foundation
import Logging
import Synchronization
import Postgres
import LakeContract

/// Deletes captured rows that bronze now holds, on its own thread and connection, so
/// capture never waits for pruning. Rows at or below the bookmark are never read again
/// (the read range starts after it), so a prune that lags or is lost to a crash costs only
/// space; recovery prunes up to the bookmark on start.
///
/// While a backlog drains, pruning is deferred for up to `maximumDeferral` (10 s): deleting
/// competes with the catch-up for the server's CPU and WAL, and one DELETE over several
/// batches costs less than one per batch. Once capture is caught up, committed batches are
/// pruned as they come, but at most once per `minimumInterval` (1 s): under a steady load
/// the daemon commits a batch every `maxDelay`, and one DELETE a second over all of them
/// costs the source less than one per batch. Each DELETE covers whole batches and about
/// `chunkRows` rows at most (250,000), because while it runs its transaction holds the
/// capture watermark back.
final class CapturePruner: Sendable {
    /// A committed batch's rows of one table: everything up to `to`.
    private struct Step: Sendable {
        /// The bookmark before the batch; nil for a prune of everything up to `to`.
        var from: TablePosition?
        var to: TablePosition
        var rows: Int
        var batch: UInt64
    }

    private struct Pending: Sendable {
        var steps: [TableName: [Step]] = [:]
        /// Rows of committed batches not deleted yet, handed to the thread or not.
        var pendingRows: [TableName: Int] = [:]
        /// When the oldest request not yet handed to the thread arrived.
        var deferredSince: ContinuousClock.Instant?
        var stopped = false
    }

    private let dsn: String
    private let fault: FaultInjector
    private let logger: Logger
    private let maximumDeferral: Duration
    private let minimumInterval: Duration
    private let chunkRows: Int
    private let state = Mutex(Pending())
    private let wakeUp = DispatchSemaphore(value: 0)
    private let finished = DispatchSemaphore(value: 0)
    private let stopping = DispatchSemaphore(value: 0)

    init(dsn: String, fault: FaultInjector, logger: Logger, maximumDeferral: Duration = .seconds(10),
         minimumInterval: Duration = .seconds(1), chunkRows: Int = 250_000) {
        self.dsn = dsn
        self.fault = fault
        self.logger = logger
        self.maximumDeferral = maximumDeferral
        self.minimumInterval = minimumInterval
        self.chunkRows = chunkRows
        Thread { [self] in
            loop()
            finished.signal()
        }.start()
    }

    /// Asks for every table's rows of the committed batch to be deleted; `draining` says
    /// that more rows are waiting to be read, so the delete may wait.
    func request(_ intent: BatchIntent, draining: Bool) {
        let now = ContinuousClock.now
        let signal = state.withLock { pending in
            for range in intent.tables where range.rows > 0 {
                pending.steps[range.table, default: []].append(Step(from: range.from, to: range.to, rows: range.rows, batch: intent.batch))
                pending.pendingRows[range.table, default: 0] += range.rows
                CaptureMetrics.prunePending(table: range.table.description, rows: pending.pendingRows[range.table]!)
            }
            let since = pending.deferredSince ?? now
            guard draining, now - since < maximumDeferral else {
                pending.deferredSince = nil
                return true
            }
            pending.deferredSince = since
            return false
        }
        if signal { wakeUp.signal() }
    }

    /// Asks for every row at or below `positions` to be deleted now: on start, what a
    /// crash left behind the bookmark (`batch`).
    func request(through positions: [(TableName, TablePosition)], batch: UInt64) {
        guard !positions.isEmpty else { return }
        state.withLock { pending in
            for (table, position) in positions {
                pending.steps[table, default: []].append(Step(from: nil, to: position, rows: 0, batch: batch))
            }
        }
        wakeUp.signal()
    }

    /// Finishes the pending DELETEs (one attempt) and ends the thread.
    func stop() {
        state.withLock { $0.stopped = true }
        stopping.signal()
        wakeUp.signal()
        finished.wait()
    }

    private func loop() {
        var connection: PostgresConnection?
        var backoff = Duration.milliseconds(100)
        while true {
            wakeUp.wait()
            let (work, stopped) = state.withLock { pending in
                defer { pending.steps = [:] }
                return (pending.steps, pending.stopped)
            }
            if work.isEmpty {
                if stopped { return }
                continue
            }
            var remaining = work
            let batches = Set(work.values.joined().map(\.batch)).sorted()
            do {
                let live: PostgresConnection
                if let connection {
                    live = connection
                } else {
                    live = try PostgresConnection(dsn: dsn, applicationName: "medallion prune")
                    // A prune lost in a server crash is redone on the next start (rows at or
                    // below the bookmark are never read again), so its commit need not wait
                    // for the WAL flush that the source's own commits are queueing for.
                    try live.execute("SET synchronous_commit TO off")
                    connection = live
                }
                for table in work.keys.sorted(by: { $0.description < $1.description }) {
                    while let steps = remaining[table], !steps.isEmpty {
                        let count = chunk(steps)
                        let end = steps[count - 1].to
                        if let start = steps[0].from, !steps[..<count].contains(where: { $0.rows == 0 }) {
                            // Bounded below too: the index entries of rows pruned before stay
                            // in the index until vacuum, and a scan from its start would walk
                            // all of them on every prune.
                            try live.execute("""
                                DELETE FROM \(table.quotedCaptureTable)
                                WHERE (_txid, _seq) > ($1::xid8, $2::bigint) AND (_txid, _seq) <= ($3::xid8, $4::bigint)
                                """, [String(start.txid), String(start.seq), String(end.txid), String(end.seq)])
                        } else {
                            try deleteInChunks(table, through: end, live)
                        }
                        remaining[table] = Array(steps.dropFirst(count))
                        let rows = steps[..<count].reduce(0) { $0 + $1.rows }
                        state.withLock { pending in
                            pending.pendingRows[table, default: 0] -= rows
                            CaptureMetrics.prunePending(table: table.description, rows: pending.pendingRows[table]!)
                        }
                        CaptureMetrics.pruned(table: table.description, rows: rows)
                    }
                }
                backoff = .milliseconds(100)
                for batch in batches { fault.trip(.afterPrune, batch: batch) }
                if stopped { return }
                // The batches committed meanwhile go into the next DELETE together.
                _ = stopping.wait(timeout: .now() + minimumInterval.seconds)
            } catch {
                connection = nil
                CaptureMetrics.pruneFailure()
                logger.warning("pruning captured rows failed; will retry", metadata: [
                    "error": "\(error)",
                    "batches": "\(batches.first ?? 0)...\(batches.last ?? 0)",
                ])
                state.withLock { pending in
                    for (table, steps) in remaining where !steps.isEmpty {
                        pending.steps[table] = steps + (pending.steps[table] ?? [])
                    }
                }
                if stopped { return }
                Thread.sleep(forTimeInterval: Double(backoff.components.attoseconds) / 1e18 + Double(backoff.components.seconds))
                backoff = min(backoff * 2, .seconds(10))
                wakeUp.signal()
            }
        }
    }

    /// Deletes everything at or below `end` when how much that is is unknown (on start,
    /// after a crash): `chunkRows` rows per statement, each its own transaction.
    private func deleteInChunks(_ table: TableName, through end: TablePosition, _ connection: PostgresConnection) throws {
        let capture = table.quotedCaptureTable
        while true {
            let deleted = try connection.execute("""
                DELETE FROM \(capture) WHERE ctid = ANY(ARRAY(
                    SELECT ctid FROM \(capture) WHERE (_txid, _seq) <= ($1::xid8, $2::bigint) LIMIT \(chunkRows)))
                """, [String(end.txid), String(end.seq)]).affectedRows
            if deleted < chunkRows { return }
        }
    }

    /// How many of `steps` (at least one) the next DELETE covers: as many as fit in
    /// `chunkRows`.
    private func chunk(_ steps: [Step]) -> Int {
        var rows = steps[0].rows
        var count = 1
        while count < steps.count, rows + steps[count].rows <= chunkRows {
            rows += steps[count].rows
            count += 1
        }
        return count
    }
}
