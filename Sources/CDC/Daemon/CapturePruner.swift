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
/// A rotating capture table (trigger capture installed by this version) is pruned by
/// truncating whole partitions (`CaptureRotation`) instead of deleting rows; a plain one
/// (logical capture, or an earlier version's install) with DELETE as described below.
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
    private struct Shared: Sendable {
        var queue: PruneQueue
        var stopped = false
    }

    private let dsn: String
    private let fault: FaultInjector
    private let logger: Logger
    private let minimumInterval: Duration
    private let chunkRows: Int
    private let state: Mutex<Shared>
    private let wakeUp = DispatchSemaphore(value: 0)
    private let finished = DispatchSemaphore(value: 0)
    private let stopping = DispatchSemaphore(value: 0)

    init(dsn: String, fault: FaultInjector, logger: Logger, maximumDeferral: Duration = .seconds(10),
         minimumInterval: Duration = .seconds(1), chunkRows: Int = 250_000) {
        self.dsn = dsn
        self.fault = fault
        self.logger = logger
        self.minimumInterval = minimumInterval
        self.chunkRows = chunkRows
        state = Mutex(Shared(queue: PruneQueue(maximumDeferral: maximumDeferral, chunkRows: chunkRows)))
        Thread { [self] in
            loop()
            finished.signal()
        }.start()
    }

    /// Asks for every table's rows of the committed batch to be deleted; `draining` says
    /// that more rows are waiting to be read, so the delete may wait.
    func request(_ intent: BatchIntent, draining: Bool) {
        let signal = state.withLock { shared in
            let start = shared.queue.add(intent, draining: draining, now: .now)
            for range in intent.tables where range.rows > 0 {
                CaptureMetrics.prunePending(table: range.table.description, rows: shared.queue.pendingRows[range.table] ?? 0)
            }
            return start
        }
        if signal { wakeUp.signal() }
    }

    /// Asks for every row at or below `positions` to be deleted now: on start, what a
    /// crash left behind the bookmark (`batch`).
    func request(through positions: [(TableName, TablePosition)], batch: UInt64) {
        guard !positions.isEmpty else { return }
        state.withLock { $0.queue.add(through: positions, batch: batch) }
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
        // The latest bookmark of each rotating table (looked up every turn: `medallion
        // install` may convert a plain one while the daemon runs).
        var bookmarks: [TableName: TablePosition] = [:]
        // A partition was held by a transaction, or a turn failed: another turn even
        // without a new batch.
        var again = false
        while true {
            if !again { wakeUp.wait() }
            let (work, stopped) = state.withLock { ($0.queue.take(), $0.stopped) }
            if work.isEmpty && !again {
                if stopped { return }
                continue
            }
            again = false
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
                let rotation = CaptureRotation(connection: live)
                var rotating: [TableName: CaptureRotation.Partitions] = [:]
                for table in work.keys.sorted(by: { $0.description < $1.description }) {
                    if let partitions = try rotation.partitions(of: table) {
                        rotating[table] = partitions
                        if let last = remaining[table]?.map(\.to).max() { bookmarks[table] = max(bookmarks[table] ?? .start, last) }
                        remaining[table] = []
                        continue
                    }
                    bookmarks[table] = nil
                    while let steps = remaining[table], !steps.isEmpty {
                        let delete = state.withLock { $0.queue.nextDelete(of: table, steps) }
                        if let start = delete.from {
                            // Bounded below too: the index entries of rows pruned before stay
                            // in the index until vacuum, and a scan from its start would walk
                            // all of them on every prune.
                            try live.execute("""
                                DELETE FROM \(table.quotedCaptureTable)
                                WHERE (_txid, _seq) > ($1::xid8, $2::bigint) AND (_txid, _seq) <= ($3::xid8, $4::bigint)
                                """, [String(start.txid), String(start.seq), String(delete.to.txid), String(delete.to.seq)])
                        } else {
                            try deleteInChunks(table, through: delete.to, live)
                        }
                        remaining[table] = Array(steps.dropFirst(delete.steps))
                        state.withLock { shared in
                            CaptureMetrics.prunePending(table: table.description, rows: shared.queue.deleted(delete.rows, of: table))
                        }
                        CaptureMetrics.pruned(table: table.description, rows: delete.rows)
                    }
                }
                if !bookmarks.isEmpty {
                    var tables: [(table: TableName, partitions: CaptureRotation.Partitions, bookmark: TablePosition)] = []
                    for (table, bookmark) in bookmarks.sorted(by: { $0.key.description < $1.key.description }) {
                        guard let partitions = try rotating[table] ?? rotation.partitions(of: table) else {
                            bookmarks[table] = nil
                            continue
                        }
                        tables.append((table, partitions, bookmark))
                    }
                    let result = try rotation.prune(tables)
                    for (table, rows) in result.truncated {
                        state.withLock { shared in
                            CaptureMetrics.prunePending(table: table.description, rows: shared.queue.deleted(rows, of: table))
                        }
                        CaptureMetrics.pruned(table: table.description, rows: rows)
                    }
                    again = result.busy && !stopped
                }
                backoff = .milliseconds(100)
                for batch in batches { fault.trip(.afterPrune, batch: batch) }
                if stopped { return }
                // The batches committed meanwhile go into the next DELETE together.
                _ = stopping.wait(timeout: .now() + minimumInterval.seconds)
            } catch {
                connection = nil
                again = !bookmarks.isEmpty
                CaptureMetrics.pruneFailure()
                logger.warning("pruning captured rows failed; will retry", metadata: [
                    "error": "\(error)",
                    "batches": "\(batches.first ?? 0)...\(batches.last ?? 0)",
                ])
                state.withLock { $0.queue.putBack(remaining) }
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
}
