import Foundation
import Lake
import Logging
import Parquet
import Postgres
import LakeContract

/// One turn of capture: read every table below a fresh snapshot watermark, publish the
/// rows to bronze, advance the bookmark, prune what bronze now holds.
///
/// When a turn fills its row budget (a backlog is draining), its publish runs on the
/// `publisher` thread while the next turn reads; the next turn collects it before it
/// writes its own intent. Otherwise the turn publishes before it returns.
struct BatchCycle {
    let connection: PostgresConnection
    let committer: BronzeCommitter
    /// The tables and their columns, reloaded when `cdc.schema_version` moves.
    var tables: [CapturedTable]
    let maxRows: Int
    /// At most about this many bytes of captured rows per batch (at least one row).
    let maxBatchBytes: Int
    let parquetOptions: ParquetWriterOptions
    let fault: FaultInjector
    /// Deletes what each committed batch put in bronze, off the capture path.
    let pruner: CapturePruner
    let publisher: BatchPublisher
    /// Columns whose values needed their text form in earlier reads.
    let fallback: TextFallbackColumns
    let logger: Logger
    /// The `cdc.schema_version` the columns were loaded at (nil: not checked yet).
    var schemaVersion: String? = nil
    /// This lake, checked against `cdc.consumer` whenever the install changes (a takeover).
    var consumer: LakeIdentity? = nil

    /// What one turn did.
    struct Outcome {
        /// The bookmark after the rows read so far: committed, or being committed by the
        /// publisher when `full`.
        var bookmark: Bookmark
        /// The watermark the turn read below.
        var watermark: UInt64
        var rows: Int
        /// Whether the row budget was used up: read again at once.
        var full: Bool
        /// The batches whose commit completed during the turn, oldest first.
        var committed: [CommittedBatch] = []
    }

    mutating func run(after bookmark: Bookmark) throws -> Outcome {
        let started = ContinuousClock.now
        // One round trip: the capture tables are locked before the snapshot is taken (a
        // LOCK takes none), so a DDL that changes one either committed before it, and the
        // snapshot's catalog has its columns, or waits for this transaction and has not
        // bumped `cdc.schema_version` yet (a sequence is not transactional).
        let lock = tables.isEmpty ? "" : "LOCK TABLE \(tables.map(\.table.quotedCaptureTable).joined(separator: ", ")) IN ACCESS SHARE MODE; "
        let watermark: UInt64
        var reads: [TableRead] = []
        var full = false
        do {
            let opened = try connection.executeScript("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY; \(lock)"
                + "SELECT pg_snapshot_xmin(pg_current_snapshot())::text, pg_sequence_last_value('cdc.schema_version')::text")
            watermark = UInt64(opened.rows.first?[0] ?? "0") ?? 0
            try reloadColumnsIfChanged(version: opened.rows.first?[1] ?? nil)
            let reader = CaptureReader(connection: connection, options: parquetOptions)
            // The row budget goes to the tables in turn, starting with a different one each
            // batch, so one table's backlog cannot starve the others.
            // The byte budget bounds the batch's memory (100,000 rows of 1 MB texts).
            var budget = maxRows
            var bytes = maxBatchBytes
            var cut = false
            let start = Int(bookmark.batch % UInt64(max(1, tables.count)))
            for captured in tables[start...] + tables[..<start] where budget > 0 && bytes > 0 && !cut {
                let read = try reader.read(captured, after: bookmark.position(captured.table), bound: .watermark(watermark, limit: budget),
                                           byteBudget: bytes, fallback: fallback)
                budget -= read.rows
                bytes -= read.bytes
                cut = read.cut
                reads.append(read)
            }
            full = budget == 0 || bytes <= 0 || cut
            try connection.execute("COMMIT")
        } catch {
            _ = try? connection.execute("ROLLBACK")
            throw error
        }
        var outcome = Outcome(bookmark: bookmark, watermark: watermark, rows: reads.reduce(0) { $0 + $1.rows }, full: full)
        outcome.committed = try collect(draining: full)
        guard outcome.rows > 0 else {
            outcome.full = false
            return outcome
        }
        let intent = try committer.writeIntent(batch: bookmark.batch + 1, watermark: watermark, reads: reads,
                                               columns: columnsByTable, previous: bookmark)
        outcome.bookmark = BronzeCommitter.bookmark(after: intent, previous: bookmark)
        let newest = reads.map(\.newestChange).max() ?? .min
        let overflowed = Self.overflowed(reads)
        let handoff = BatchPublisher.Handoff { [committer, reads] in
            let committed = try committer.publish(intent, reads: reads, previous: bookmark).1
            var batch = CommittedBatch(intent: committed, duration: ContinuousClock.now - started)
            batch.overflowed = overflowed
            if newest > .min {
                batch.lagSeconds = Date().timeIntervalSince1970 - Double(newest) / 1_000_000
            }
            return PublishedBatch(intent: committed, batch: batch)
        }
        if full {
            publisher.start(handoff)
        } else {
            outcome.committed.append(accept(try handoff.work(), draining: false))
        }
        return outcome
    }

    /// Reloads every table's columns when the install or DDL has changed them since the
    /// last batch (the event trigger bumps `cdc.schema_version`). The capture tables are
    /// locked (by `run`), so no ALTER can commit between reading the columns and the COPY.
    private mutating func reloadColumnsIfChanged(version: String?) throws {
        guard version != schemaVersion else { return }
        if let consumer {
            try SourceGuard.checkConsumer(connection, identity: consumer, lake: committer.lake.description)
        }
        let catalog = CaptureCatalog(connection: connection)
        for index in tables.indices {
            let columns = try catalog.columns(of: tables[index].table)
            if schemaVersion != nil, columns != tables[index].columns {
                logger.notice("capture columns changed; new files carry them", metadata: [
                    "table": "\(tables[index].table)",
                    "columns": "\(columns.map(\.name).joined(separator: ","))",
                ])
            }
            tables[index].columns = columns
        }
        schemaVersion = version
    }

    /// Waits for the batch being published, if any, and hands it to the pruner;
    /// `draining` when more rows are waiting to be read.
    func collect(draining: Bool = false) throws -> [CommittedBatch] {
        guard let published = try publisher.collect() else { return [] }
        return [accept(published, draining: draining)]
    }

    /// A batch whose bookmark is written: its capture rows may go.
    private func accept(_ published: PublishedBatch, draining: Bool) -> CommittedBatch {
        pruner.request(published.intent, draining: draining)
        return published.batch
    }

    /// Finishes a batch a crash interrupted, as `choice` (made from `intent`) says: `.redo`
    /// redoes it exactly (same range, names and bytes), `.refuse` throws. Then has the pruner
    /// delete whatever the capture tables still hold at or below the bookmark. Returns the
    /// bookmark.
    func recover(_ bookmark: Bookmark, intent: BatchIntent?, choice: RecoveryChoice, logger: Logger) throws -> Bookmark {
        var bookmark = bookmark
        if let intent {
            try committer.removeTemporaryFiles(of: intent)
            if choice == .redo {
                logger.notice("redoing batch interrupted before its commit", metadata: ["batch": "\(intent.batch)"])
                let reader = CaptureReader(connection: connection, options: parquetOptions)
                var reads: [TableRead] = []
                try connection.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
                do {
                    var bytes = maxBatchBytes
                    for range in intent.tables {
                        let captured = CapturedTable(table: range.table, columns: range.columns)
                        let read = try reader.read(captured, after: range.from, bound: .through(range.to), byteBudget: bytes, fallback: fallback)
                        bytes -= read.bytes
                        reads.append(read)
                        if read.cut || bytes <= 0 { break }
                    }
                    try connection.execute("COMMIT")
                } catch {
                    _ = try? connection.execute("ROLLBACK")
                    throw error
                }
                if reads.count < intent.tables.count || reads.contains(where: \.cut) {
                    // Larger than --max-batch-bytes allows now: nothing of it is committed,
                    // so it is dropped and its rows are read again in smaller batches.
                    logger.notice("interrupted batch is larger than the batch byte limit; reading its rows again in smaller batches",
                                  metadata: ["batch": "\(intent.batch)"])
                    try committer.abandon(intent)
                    pruner.request(through: tables.map { ($0.table, bookmark.position($0.table)) }.filter { $0.1 > .start },
                                   batch: bookmark.batch)
                    return bookmark
                }
                for (range, read) in zip(intent.tables, reads) where read.rows != range.rows {
                    throw CaptureError(.lakeState, message: "Batch \(intent.batch) cannot be redone: \(range.table) now has \(read.rows) rows in its range instead of \(range.rows); were capture rows deleted by hand? Check bronze, then remove bronze/_cdc/intent.json to skip it.")
                }
                bookmark = try committer.publish(intent, reads: reads, previous: bookmark).0
            } else if choice == .refuse {
                throw CaptureError(.lakeState, message: "bronze/_cdc/intent.json names batch \(intent.batch) but the bookmark is at batch \(bookmark.batch); the bookmark was rolled back or replaced. Restore bronze/bookmark, or move bronze/ away to start over.")
            }
        }
        // A crash can leave deferred prunes undone: hand them to the pruner rather than
        // delay the catch-up by a DELETE that may span seconds of captured rows.
        pruner.request(through: tables.map { ($0.table, bookmark.position($0.table)) }.filter { $0.1 > .start },
                       batch: bookmark.batch)
        return bookmark
    }

    /// Per table and column, the values that went to `_overflow`.
    private static func overflowed(_ reads: [TableRead]) -> [String: [String: Int]] {
        var counts: [String: [String: Int]] = [:]
        for read in reads where !read.overflowed.isEmpty {
            for (column, count) in read.overflowed {
                counts[read.table.description, default: [:]][read.columnNames[column], default: 0] += count
            }
        }
        return counts
    }

    private var columnsByTable: [TableName: [CaptureColumn]] {
        Dictionary(uniqueKeysWithValues: tables.map { ($0.table, $0.columns) })
    }
}

/// A batch that reached bronze, as the stage runner and the logs see it.
public struct CommittedBatch: Sendable {
    public var batch: UInt64
    public var watermark: UInt64
    public var rows: Int
    /// Rows per table (`schema.name`).
    public var rowsByTable: [String: Int]
    /// The lake paths of the batch's files.
    public var files: [String]
    public var bytes: Int
    public var duration: Duration
    /// Seconds from the newest change's `_changed_at` to its commit in bronze.
    public var lagSeconds: Double?
    /// Per table and column, how many values were stored in `_overflow`.
    public var overflowed: [String: [String: Int]] = [:]
    /// The size of each of `files`.
    var fileSizes: [Int]

    init(intent: BatchIntent, duration: Duration) {
        batch = intent.batch
        watermark = intent.watermark
        rows = intent.tables.reduce(0) { $0 + $1.rows }
        rowsByTable = Dictionary(uniqueKeysWithValues: intent.tables.map { ($0.table.description, $0.rows) })
        files = intent.tables.flatMap { $0.files.map(\.path) }
        fileSizes = intent.tables.flatMap { $0.files.map(\.bytes) }
        bytes = intent.tables.reduce(0) { $0 + $1.files.reduce(0) { $0 + $1.bytes } }
        self.duration = duration
    }
}
