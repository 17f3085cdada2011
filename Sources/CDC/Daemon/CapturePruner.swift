import Foundation
import Logging
import Synchronization

/// Deletes captured rows that bronze now holds, on its own thread and connection, so
/// capture never waits for pruning. Requests coalesce: while one DELETE runs, later
/// commits only raise the target. Rows at or below the bookmark are never read again (the
/// read range starts after it), so a prune that lags or is lost to a crash costs only
/// space; recovery prunes up to the bookmark on start.
final class CapturePruner: Sendable {
    private struct Pending: Sendable {
        var targets: [TableName: TablePosition] = [:]
        var batch: UInt64 = 0
        var stopped = false
    }

    private let dsn: String
    private let fault: FaultInjector
    private let logger: Logger
    private let state = Mutex(Pending())
    private let wakeUp = DispatchSemaphore(value: 0)
    private let finished = DispatchSemaphore(value: 0)

    init(dsn: String, fault: FaultInjector, logger: Logger) {
        self.dsn = dsn
        self.fault = fault
        self.logger = logger
        Thread { [self] in
            loop()
            finished.signal()
        }.start()
    }

    /// Asks for every table's rows up to the committed batch's range end to be deleted.
    func request(_ intent: BatchIntent) {
        state.withLock { pending in
            for range in intent.tables {
                pending.targets[range.table] = max(pending.targets[range.table] ?? .start, range.to)
            }
            pending.batch = max(pending.batch, intent.batch)
        }
        wakeUp.signal()
    }

    /// Finishes the pending DELETEs (one attempt) and ends the thread.
    func stop() {
        state.withLock { $0.stopped = true }
        wakeUp.signal()
        finished.wait()
    }

    private func loop() {
        var connection: PostgresConnection?
        var backoff = Duration.milliseconds(100)
        while true {
            wakeUp.wait()
            let (targets, batch, stopped) = state.withLock { pending in
                defer { pending.targets = [:] }
                return (pending.targets, pending.batch, pending.stopped)
            }
            if targets.isEmpty {
                if stopped { return }
                continue
            }
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
                for (table, position) in targets.sorted(by: { $0.key.description < $1.key.description }) {
                    try live.execute("DELETE FROM \(table.quotedCaptureTable) WHERE (_txid, _seq) <= ($1::xid8, $2::bigint)",
                                     [String(position.txid), String(position.seq)])
                }
                backoff = .milliseconds(100)
                fault.trip(.afterPrune, batch: batch)
                if stopped { return }
            } catch {
                connection = nil
                logger.warning("pruning captured rows failed; will retry", metadata: ["error": "\(error)", "batch": "\(batch)"])
                state.withLock { pending in
                    for (table, position) in targets {
                        pending.targets[table] = max(pending.targets[table] ?? .start, position)
                    }
                }
                if stopped { return }
                Thread.sleep(forTimeInterval: Double(backoff.components.attoseconds) / 1e18 + Double(backoff.components.seconds))
                backoff = min(backoff * 2, .seconds(10))
                wakeUp.signal()
            }
        }
    }
}
