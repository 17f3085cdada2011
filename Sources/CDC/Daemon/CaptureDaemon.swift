import Foundation
import Lake
import Logging
import Parquet
import Synchronization
import LakeContract
import Postgres

/// The always-on capture loop: catches up from the bookmark, then streams each new batch
/// of changes into bronze, woken by LISTEN/NOTIFY while idle and polling every
/// `maxDelay` while busy. Survives the database restarting (reconnects with backoff).
///
/// A `Service`: `run()` runs it on a thread of its own (libpq is blocking) and graceful
/// shutdown ends it after the current step — never in the middle of a batch's commit.
/// `runBlocking()` runs it on the calling thread, `stop()` ends it from anywhere.
public final class CaptureDaemon: Sendable {
    /// How the daemon runs.
    public struct Configuration: Sendable {
        /// libpq connection string.
        public var dsn: String
        public var lake: any LakeStorage
        /// Tables to capture; `nil` for every installed one.
        public var tables: [TableName]?
        /// How long to gather changes after a wake-up, and the read cadence while busy.
        public var maxDelay: Duration = .milliseconds(100)
        /// At most this many rows per batch.
        public var maxRows = 100_000
        /// At most about this many bytes of captured rows per batch (the rows as COPY sends
        /// them; the batch's memory is about this plus its encoded Parquet).
        public var maxBatchBytes = 64 << 20
        /// The slow safety poll while idle, in case a notification was missed.
        public var pollInterval: Duration = .seconds(5)
        /// The longest wait between reconnect attempts.
        public var maxBackoff: Duration = .seconds(30)
        public var compression: ParquetCompression = .zstd(level: 3)
        public var fault: FaultInjector = .none
        /// Merging the small files of closed partitions, between batches.
        public var compaction = CompactionSettings()

        public init(dsn: String, lake: any LakeStorage) {
            self.dsn = dsn
            self.lake = lake
        }
    }

    public let configuration: Configuration
    private let logger: Logger
    private let stopSignal = StopSignal()
    private let onCommit: @Sendable (CommittedBatch) -> Void
    private let lock: LakeLock
    private let ready = Atomic<Bool>(false)
    private let fallback = TextFallbackColumns()
    private let inventory = BronzeInventory()

    public init(configuration: Configuration, logger: Logger, onCommit: @escaping @Sendable (CommittedBatch) -> Void = { _ in }) {
        self.configuration = configuration
        self.logger = logger
        self.onCommit = onCommit
        lock = LakeLock(lake: configuration.lake)
    }

    /// Whether capture is connected and has caught up with its bookmark (for `/readyz`).
    public var isReady: Bool { ready.load(ordering: .relaxed) }

    /// Asks the loop to finish its current step and return.
    public func stop() { stopSignal.stop() }

    /// Checks that the database and lake are usable, without capturing: one clear error
    /// for a bad DSN, a missing install or an unwritable lake.
    /// A database that cannot be reached yet is not an error here: `run` retries it.
    public func preflight() throws {
        do {
            let connection = try PostgresConnection(dsn: configuration.dsn, applicationName: "medallion run")
            _ = try CaptureCatalog(connection: connection).loadForDaemon(configuration.tables)
        } catch let error as PostgresError where error.isTransient {
            logger.warning("database unavailable at start; capture retries until it answers", metadata: ["error": "\(error)"])
        }
        try configuration.lake.makeDirectories(LakePaths.bronze)
        _ = try BronzeCommitter(lake: configuration.lake, fault: configuration.fault).loadBookmark()
    }

    /// Runs until `stop()`, blocking the calling thread (as a `Service`: `run()`). Throws
    /// only for errors that retrying cannot fix (capture not installed, a lake whose
    /// bookkeeping is inconsistent, permission denied).
    public func runBlocking() throws {
        try lock.acquire()
        defer { lock.release() }
        var backoff = ReconnectBackoff(maximum: configuration.maxBackoff)
        var connectedBefore = false
        while !stopSignal.isStopped {
            do {
                backoff.attemptStarted()
                try session(attempt: backoff.attempt, reconnect: connectedBefore) {
                    backoff.connected()
                    connectedBefore = true
                }
            } catch let error as PostgresError where error.isTransient {
                logger.warning("database unavailable; reconnecting", metadata: [
                    "error": "\(error)", "sqlstate": "\(error.sqlState ?? "-")", "attempt": "\(backoff.attempt)",
                    "retry_in_ms": "\(backoff.delay.milliseconds)",
                ])
                lock.record(error: error)
                CaptureMetrics.reconnect()
            } catch let error as LakeError where error.code == .unavailable || error.code == .io {
                logger.warning("lake unavailable; retrying", metadata: [
                    "error": "\(error)", "attempt": "\(backoff.attempt)", "retry_in_ms": "\(backoff.delay.milliseconds)",
                ])
                lock.record(error: error)
                CaptureMetrics.lakeError()
            }
            ready.store(false, ordering: .relaxed)
            try? lock.renewIfDue(state: "reconnecting", batch: nil)
            if stopSignal.isStopped { break }
            sleep(backoff.failed())
        }
        logger.info("capture stopped")
    }

    /// One connection's lifetime: connect, LISTEN, recover, then the capture loop.
    private func session(attempt: Int, reconnect: Bool, connected: () -> Void) throws {
        let connection = try PostgresConnection(dsn: configuration.dsn, applicationName: "medallion run")
        defer { connection.close() }
        // A timeout set on the streamer's role would cancel a long catch-up read forever.
        try connection.executeScript("SET statement_timeout = 0; SET lock_timeout = 0; SET idle_in_transaction_session_timeout = 0")
        // A batch reads in (_txid, _seq) order up to --max-rows: along the index. A rotating
        // capture table's partition that was just truncated has no statistics, and the
        // planner would otherwise sort all of a backlog in it for every batch.
        try connection.executeScript("SET enable_sort = off; SET enable_bitmapscan = off; SET max_parallel_workers_per_gather = 0")
        try TextSettings.apply(connection)
        let tables = try CaptureCatalog(connection: connection).loadForDaemon(configuration.tables)
        try connection.execute("LISTEN medallion_cdc")
        connected()
        logger.info("connected", metadata: [
            "server": "\(connection.serverDescription)",
            "tables": "\(tables.map(\.table.description).joined(separator: ","))",
            "lake": "\(configuration.lake.description)",
        ])
        var parquetOptions = ParquetWriterOptions()
        parquetOptions.compression = configuration.compression
        parquetOptions.createdBy = "medallion-cdc"
        let committer = BronzeCommitter(lake: configuration.lake, fault: configuration.fault)
        let pruner = CapturePruner(dsn: configuration.dsn, fault: configuration.fault, logger: logger)
        defer { pruner.stop() }
        let publisher = BatchPublisher()
        var cycle = BatchCycle(connection: connection, committer: committer, tables: tables, maxRows: configuration.maxRows,
                               maxBatchBytes: configuration.maxBatchBytes,
                               parquetOptions: parquetOptions, fault: configuration.fault, pruner: pruner, publisher: publisher,
                               fallback: fallback, logger: logger)
        // A batch still being published finishes before the next session recovers the lake.
        defer {
            do {
                for committed in try cycle.collect() { report(committed) }
            } catch {
                logger.error("publishing the last batch failed; the next start redoes it", metadata: ["error": "\(error)"])
            }
        }
        // Before anything is read or pruned: one daemon per database, this lake its
        // consumer, and the database the bookmark came from.
        let identity = try LakeIdentity.loadOrCreate(configuration.lake)
        let checked = try SourceGuard(connection: connection, lake: configuration.lake)
            .check(try committer.loadBookmark(), identity: identity, reconnect: reconnect)
        cycle.consumer = identity
        let mode = try CaptureMode.read(connection)
        if mode == .logical { try CaptureMode.checkReplicationRole(connection) }
        var intent = try committer.loadIntent()
        let choice = RecoveryChoice(intent: intent.map { ($0.batch, $0.isLogical) }, bookmark: checked.batch, mode: mode)
        if choice == .abandon, let abandoned = intent {
            logger.notice("dropping batch interrupted before its commit; the slot sends it again", metadata: ["batch": "\(abandoned.batch)"])
            try committer.abandon(abandoned)
            intent = nil
        }
        let compactor = makeCompactor()
        try compactor?.recover()
        var nextCompaction = ContinuousClock.now
        var bookmark = try cycle.recover(checked, intent: intent, choice: choice, logger: logger)
        try inventory.seedOnce(configuration.lake)
        logger.info("caught up to bookmark", metadata: ["batch": "\(bookmark.batch)"])
        ready.store(true, ordering: .relaxed)
        var nextSample = ContinuousClock.now

        if mode == .logical {
            try streamLogical(connection, cycle: &cycle, bookmark: bookmark, parquetOptions: parquetOptions, compactor: compactor)
            return
        }

        var machine = IdleStateMachine()
        try setIdleFlag(false, connection)
        var action = IdleStateMachine.Action.readNow
        while !stopSignal.isStopped {
            try heartbeat(machine, batch: bookmark.batch)
            if ContinuousClock.now >= nextSample {
                try sampleBacklog(connection, tables: tables, bookmark: bookmark)
                nextSample = ContinuousClock.now + .seconds(15)
            }
            if let compactor, let interval = configuration.compaction.interval, ContinuousClock.now >= nextCompaction {
                // No batch may be publishing while a partition is swapped.
                for committed in try cycle.collect() { report(committed) }
                nextCompaction = compact(compactor) ? ContinuousClock.now : ContinuousClock.now + interval
            }
            switch action {
            case .readNow:
                let outcome = try cycle.run(after: bookmark)
                bookmark = outcome.bookmark
                for committed in outcome.committed { report(committed) }
                action = machine.read(rows: outcome.rows, watermark: outcome.watermark, full: outcome.full)
            case .readAfterDelay:
                try pause(configuration.maxDelay, connection)
                action = .readNow
            case .setIdleFlag:
                try setIdleFlag(true, connection)
                let fence = UInt64(try connection.execute("SELECT pg_current_xact_id()").scalar ?? "0") ?? 0
                action = machine.fenced(fence)
            case .setBusyFlagThenReadAfterDelay:
                try setIdleFlag(false, connection)
                action = .readAfterDelay
            case .waitForNotification:
                if try waitForNotification(connection, machine) {
                    action = machine.notified()
                } else if !stopSignal.isStopped {
                    action = machine.pollTimerFired()
                }
            }
        }
        // Nobody listens once this daemon is gone: writers should not pay for notifying.
        try? setIdleFlag(false, connection)
    }

    /// Logical capture: moves the initial snapshot out of the capture tables, then writes
    /// the slot's committed transactions to bronze, batch by batch, with the same commit
    /// protocol; each batch's end LSN is confirmed to the slot only once its bookmark is
    /// written.
    private func streamLogical(_ connection: PostgresConnection, cycle: inout BatchCycle, bookmark start: Bookmark,
                               parquetOptions: ParquetWriterOptions, compactor: BronzeCompactor?) throws {
        if let requested = configuration.tables, !requested.isEmpty {
            throw CaptureError(.invalidInput, message: "Logical capture reads every published table; run `medallion run` without table arguments.")
        }
        var bookmark = start
        // The snapshot install took (and rows of a trigger capture before it) come first.
        while !stopSignal.isStopped {
            let outcome = try cycle.run(after: bookmark)
            bookmark = outcome.bookmark
            for committed in outcome.committed { report(committed) }
            if outcome.rows == 0 && !outcome.full { break }
        }
        for committed in try cycle.collect() { report(committed) }
        let committer = cycle.committer
        var tables = cycle.tables
        let catalog = CaptureCatalog(connection: connection)
        var keys: [TableName: [String]] = [:]
        for captured in tables { keys[captured.table] = try catalog.primaryKey(of: captured.table, oid: captured.sourceOid) }
        var leftCapture: Set<UInt32> = []
        let slot = try CaptureMode.slot(connection)
        let setup = LogicalCaptureSetup(slot: slot, connection: connection, dsn: configuration.dsn)
        // Rows DDL captures again come through the restate publication, when the slot has one.
        let restating = try setup.restatePublicationExists()
        var streamConfiguration = LogicalStream.Configuration(
            slot: slot, publications: [CaptureMode.publication] + (restating ? [CaptureMode.restatePublication] : []))
        streamConfiguration.binary = true
        // A transaction larger than a batch may be goes to a temporary file as it arrives.
        streamConfiguration.spillBytes = configuration.maxBatchBytes
        func open() throws -> LogicalStream {
            try LogicalStream(dsn: configuration.dsn, configuration: streamConfiguration,
                              resumeAfter: bookmark.commitLsn.flatMap { LSN($0) } ?? .zero)
        }
        try refuseGeneratedColumns(tables, connection)
        // A lost slot cannot stream: say so before trying.
        try sampleSlot(connection, slot: slot)
        var nextSample = ContinuousClock.now + .seconds(15)
        var stream = try open()
        defer { stream.close() }
        logger.info("streaming from the replication slot", metadata: ["slot": "\(slot)", "after": "\(bookmark.commitLsn ?? "start")"])
        if !restating {
            logger.notice("this slot has no restate publication: after RENAME COLUMN, a retype or ADD COLUMN ... DEFAULT, unchanged rows keep their old image in bronze until a re-baseline (see \"Logical capture\" in the README)", metadata: ["publication": "\(CaptureMode.restatePublication)"])
        }
        var reloadedAt: LSN?
        var nextCompaction = ContinuousClock.now
        while !stopSignal.isStopped {
            try lock.renewIfDue(state: "capturing", batch: bookmark.batch)
            if ContinuousClock.now >= nextSample {
                try sampleSlot(connection, slot: slot)
                nextSample = ContinuousClock.now + .seconds(15)
            }
            if let compactor, let interval = configuration.compaction.interval, ContinuousClock.now >= nextCompaction {
                // Batches are published on this thread, so none is under way; the stream's
                // status updates go on between files so a long merge is not timed out.
                compactor.heartbeat = { [lock, stream] in
                    try lock.renewIfDue(state: "compacting", batch: nil)
                    try stream.keepAlive()
                }
                nextCompaction = compact(compactor) ? ContinuousClock.now : ContinuousClock.now + interval
            }
            let started = ContinuousClock.now
            var transactions: [LogicalTransaction] = []
            var changes = 0
            var deadline: ContinuousClock.Instant?
            while !stopSignal.isStopped && changes < configuration.maxRows {
                // The batch's first transaction is awaited; after it, the batch takes what has
                // arrived, and when nothing more has, lets its window fill and then reads what
                // came in one go: waking for each transaction as it arrived cost more CPU than
                // reading them (a backlog never waits). The socket is never left unread for
                // longer than it can hold what the server sends meanwhile.
                guard let transaction = try stream.next(timeout: deadline == nil ? 0.25 : 0) else {
                    guard let deadline, ContinuousClock.now < deadline else { break }
                    try pace(until: min(deadline, .now + stream.longestPause), stream)
                    continue
                }
                if transaction.changes.isSpilled {
                    logger.notice("a transaction larger than --max-batch-bytes was held in a temporary file", metadata: [
                        "changes": "\(transaction.changes.count)", "commit_lsn": "\(transaction.commitLSN)",
                    ])
                }
                transactions.append(transaction)
                changes += transaction.changes.count
                if deadline == nil { deadline = ContinuousClock.now + configuration.maxDelay }
            }
            guard let last = transactions.last else {
                // Everything delivered is in bronze: let the slot move past WAL that held
                // nothing of the captured tables.
                try stream.confirmReceived()
                continue
            }
            let reference = UInt64(try connection.execute("SELECT pg_snapshot_xmax(pg_current_snapshot())::text").scalar ?? "0") ?? 0
            let version = try connection.execute("SELECT pg_sequence_last_value('cdc.schema_version')::text").scalar
            if version != cycle.schemaVersion {
                let oids = try catalog.sourceOids()
                for index in tables.indices {
                    tables[index].columns = try catalog.columns(of: tables[index].table)
                    tables[index].sourceOid = oids[tables[index].table]
                }
                try refuseGeneratedColumns(tables, connection)
                cycle.schemaVersion = version
            }
            var builder: LogicalBatchBuilder
            do {
                builder = try buildLogicalBatch(transactions, tables: &tables, keys: keys, bookmark: bookmark,
                                                reference: reference, options: parquetOptions, leftCapture: &leftCapture, connection)
            } catch let changed as LogicalBatchBuilder.ColumnsChanged {
                // DDL committed after the columns were read: read them again, and the
                // (unconfirmed) transactions with them; once only for the same transactions.
                guard reloadedAt != transactions.first?.commitLSN else {
                    throw CaptureError(.schema, message: "A column of \(changed.table) is not in its capture table; run `medallion install \(changed.table.lakeName)` as the table's owner (the DDL event trigger needs a superuser install), then start capture again.")
                }
                reloadedAt = transactions.first?.commitLSN
                logger.notice("capture columns changed; reading the transactions again", metadata: ["table": "\(changed.table)"])
                for index in tables.indices { tables[index].columns = try catalog.columns(of: tables[index].table) }
                stream.close()
                stream = try open()
                continue
            }
            let reads = builder.finish()
            if !reads.isEmpty {
                let columns = Dictionary(uniqueKeysWithValues: tables.map { ($0.table, $0.columns) })
                let intent = try committer.writeIntent(
                    batch: bookmark.batch + 1, watermark: max(bookmark.watermark, builder.newestTxid + 1), reads: reads,
                    columns: columns, previous: bookmark,
                    logical: (slot: slot, commitLsn: last.commitLSN.description, endLsn: last.endLSN.description))
                let published = try committer.publish(intent, reads: reads, previous: bookmark)
                bookmark = published.0
                var committed = CommittedBatch(intent: published.1, duration: ContinuousClock.now - started)
                committed.lagSeconds = Date().timeIntervalSince1970 - (Double(last.commitTime) / 1_000_000 + 946_684_800)
                report(committed)
            }
            try stream.confirm(last.endLSN)
        }
    }

    /// Stops logical capture at a generated column (one added since install).
    private func refuseGeneratedColumns(_ tables: [CapturedTable], _ connection: PostgresConnection) throws {
        for captured in tables {
            if let column = try LogicalCapturePreparation.generatedColumn(of: captured.table, connection) {
                throw CaptureError(.schema, message: "Logical capture of \(captured.table) stops: " + LogicalCapturePreparation.generatedReason(column, of: captured.table))
            }
        }
    }

    /// Waits until `deadline` (or a stop), keeping the replication connection alive.
    private func pace(until deadline: ContinuousClock.Instant, _ stream: LogicalStream) throws {
        while !stopSignal.isStopped, ContinuousClock.now < deadline {
            try stream.keepAlive()
            Thread.sleep(forTimeInterval: min(0.1, max(0, (deadline - ContinuousClock.now).seconds)))
        }
    }

    /// The batch of `transactions`; a value that does not fit its bronze column puts the
    /// column in its table's `textFallback` (kept for later batches) and builds again.
    /// A change of a table that left capture since (its oid in `leftCapture`) is skipped.
    private func buildLogicalBatch(_ transactions: [LogicalTransaction], tables: inout [CapturedTable], keys: [TableName: [String]],
                                   bookmark: Bookmark, reference: UInt64, options: ParquetWriterOptions,
                                   leftCapture: inout Set<UInt32>, _ connection: PostgresConnection) throws -> LogicalBatchBuilder {
        while true {
            var builder = LogicalBatchBuilder(tables: tables, keys: keys, bookmark: bookmark, options: options, ignored: leftCapture)
            do {
                for transaction in transactions { try builder.append(transaction, reference: reference) }
                return builder
            } catch let needed as LogicalBatchBuilder.NeedsText {
                guard let index = tables.firstIndex(where: { $0.table == needed.table }) else { throw needed }
                tables[index].textFallback.insert(needed.column)
            } catch let unknown as LogicalBatchBuilder.UnknownRelation {
                // Still published: a table published but not captured. Gone from the
                // publication: a captured table another took the name of since (install
                // moved the publication to it, and replaced its rows in bronze).
                let published = try connection.execute("""
                    SELECT EXISTS (SELECT 1 FROM pg_publication_rel pr JOIN pg_publication p ON p.oid = pr.prpubid
                                   WHERE p.pubname = $1 AND pr.prrelid = $2::oid)
                    """, [CaptureMode.publication, String(unknown.id)]).scalar == "t"
                guard !published else {
                    throw CaptureError(.schema, message: "The slot sent a change of \(unknown.table), which is published but not captured; remove it from publication \(CaptureMode.publication).")
                }
                logger.notice("skipping changes of a table that is no longer captured (another table took its name)",
                              metadata: ["table": "\(unknown.table)", "oid": "\(unknown.id)"])
                leftCapture.insert(unknown.id)
            }
        }
    }

    /// The slot's retained WAL and lag, for the metrics; a slot that lost its WAL ends
    /// capture with what to do.
    private func sampleSlot(_ connection: PostgresConnection, slot name: String) throws {
        guard let slot = try LogicalSlotStatus.read(name, on: connection) else {
            throw CaptureError(.notInstalled, message: "The replication slot \(name) is gone; run `medallion install --capture logical` again and re-baseline bronze (see \"Logical capture\" in the README).")
        }
        if slot.isLost {
            throw CaptureError(.lakeState, message: "The replication slot \(name) was invalidated (its WAL was removed under max_slot_wal_keep_size): changes are lost. Run `medallion uninstall` and `medallion install --capture logical`, then re-baseline bronze like after a restore (see \"Logical capture\" in the README).")
        }
        CaptureMetrics.slot(retainedBytes: slot.retainedBytes ?? 0, lagBytes: slot.lagBytes ?? 0)
    }

    /// The compactor the configuration asks for, when the lake can be compacted.
    private func makeCompactor() -> BronzeCompactor? {
        guard configuration.compaction.interval != nil else { return nil }
        guard let lake = try? BronzeCompactor.exchanging(configuration.lake) else {
            logger.notice("bronze compaction is off: this lake cannot exchange directories atomically", metadata: [
                "lake": "\(configuration.lake.description)",
            ])
            return nil
        }
        let compactor = BronzeCompactor(lake: lake, settings: configuration.compaction, compression: configuration.compression,
                                        fault: configuration.fault, logger: logger)
        compactor.heartbeat = { [lock] in try lock.renewIfDue(state: "compacting", batch: nil) }
        return compactor
    }

    /// Compacts one closed partition, if one has work; true when it did (more may follow).
    /// A failure is logged and retried at the next interval (after finishing or dropping
    /// what it left), never ending capture.
    private func compact(_ compactor: BronzeCompactor) -> Bool {
        do {
            if compactor.needsRecovery { try compactor.recover() }
            guard let done = try compactor.compactNext() else { return false }
            inventory.apply(done)
            CaptureMetrics.compacted(table: done.table, filesRemoved: done.inputCount - done.outputs.count)
            return true
        } catch {
            logger.warning("bronze compaction failed; retrying at the next interval", metadata: ["error": "\(error)"])
            return false
        }
    }

    /// Samples the backlog per table and the age of the watermark holder for the metrics.
    private func sampleBacklog(_ connection: PostgresConnection, tables: [CapturedTable], bookmark: Bookmark) throws {
        for captured in tables {
            let position = bookmark.position(captured.table)
            let count = try connection.execute(
                "SELECT count(*) FROM \(captured.table.quotedCaptureTable) WHERE (_txid, _seq) > ($1::xid8, $2::bigint)",
                [String(position.txid), String(position.seq)]).scalar
            CaptureMetrics.backlog(table: captured.table.description, rows: Int(count ?? "0") ?? 0)
        }
        let age = try connection.execute("""
            SELECT coalesce(max(extract(epoch FROM now() - xact_start)), 0) FROM pg_stat_activity
            WHERE backend_xid IS NOT NULL AND pid <> pg_backend_pid()
            """).scalar
        CaptureMetrics.watermarkHolderAge(seconds: Double(age ?? "0") ?? 0)
    }

    private func report(_ committed: CommittedBatch) {
        logger.info("committed batch", metadata: [
            "batch": "\(committed.batch)",
            "rows": "\(committed.rows)",
            "tables": "\(committed.rowsByTable.sorted { $0.key < $1.key }.map { "\($0.key):\($0.value)" }.joined(separator: ","))",
            "files": "\(committed.files.count)",
            "bytes": "\(committed.bytes)",
            "watermark": "\(committed.watermark)",
            "duration_ms": "\(committed.duration.milliseconds)",
        ])
        for (table, columns) in committed.overflowed.sorted(by: { $0.key < $1.key }) {
            for (column, count) in columns.sorted(by: { $0.key < $1.key }) {
                logger.warning("values did not fit their bronze column; stored as NULL with their text in _overflow", metadata: [
                    "batch": "\(committed.batch)", "table": "\(table)", "column": "\(column)", "values": "\(count)",
                ])
            }
        }
        CaptureMetrics.committed(committed)
        inventory.add(committed)
        onCommit(committed)
    }

    /// Sets `cdc.daemon_idle`; `setval` is not transactional, so every writer sees it at once.
    private func setIdleFlag(_ idle: Bool, _ connection: PostgresConnection) throws {
        try connection.execute("SELECT pg_catalog.setval('cdc.daemon_idle', $1::bigint)", [idle ? "1" : "0"])
    }

    /// Renews the lake lease (and stops when another daemon has taken it).
    private func heartbeat(_ machine: IdleStateMachine, batch: UInt64?) throws {
        try lock.renewIfDue(state: machine.state == .idle ? "idle" : "capturing", batch: batch)
    }

    /// Sleeps on LISTEN until a notification (true) or the poll interval (false).
    private func waitForNotification(_ connection: PostgresConnection, _ machine: IdleStateMachine) throws -> Bool {
        let deadline = ContinuousClock.now + configuration.pollInterval
        while !stopSignal.isStopped && ContinuousClock.now < deadline {
            try heartbeat(machine, batch: nil)
            let slice = min(deadline - ContinuousClock.now, .milliseconds(250))
            if !(try connection.waitForNotifications(timeout: slice.seconds)).isEmpty { return true }
        }
        return false
    }

    /// Waits `duration` while staying responsive to stop; drains notifications meanwhile.
    private func pause(_ duration: Duration, _ connection: PostgresConnection) throws {
        let deadline = ContinuousClock.now + duration
        while !stopSignal.isStopped {
            let left = deadline - ContinuousClock.now
            if left <= .zero { break }
            _ = try connection.waitForNotifications(timeout: min(left, .milliseconds(250)).seconds)
        }
    }

    private func sleep(_ duration: Duration) {
        let deadline = ContinuousClock.now + duration
        while !stopSignal.isStopped && ContinuousClock.now < deadline {
            Thread.sleep(forTimeInterval: min(deadline - ContinuousClock.now, .milliseconds(100)).seconds)
        }
    }
}

extension Duration {
    var seconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
    var milliseconds: Int64 { components.seconds * 1000 + components.attoseconds / 1_000_000_000_000_000 }
}
