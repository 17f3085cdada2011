import Foundation
import Lake
import Logging
import Parquet
import LakeContract

/// Merges the small files of closed bronze partitions, one partition per step, so that a
/// reader listing a partition sees either its old files or the merged ones:
///
/// intent (`bronze/_cdc/compaction.json`) → merged files and links of the kept ones in a
/// staging directory under `bronze/_cdc/compacting/` → intent marked staged → the staging
/// directory and the partition exchanged in one atomic step → record
/// (`bronze/_cdc/compactions/…`) → old files removed → intent removed. A crash before the
/// exchange is undone, after it finished, by `recover()`.
///
/// The caller makes sure no batch writes bronze meanwhile (the capture thread, or the lake
/// lock of `medallion compact`).
final class BronzeCompactor {
    let lake: any DirectoryExchanging
    let settings: CompactionSettings
    let compression: ParquetCompression
    let logger: Logger
    /// Called after each step; tests make it throw to stop there as a crash would.
    var onStep: (CompactionStep) throws -> Void
    /// Called between files, to renew the lake lock during a long merge.
    var heartbeat: () throws -> Void = {}
    var now: () -> Date = { Date() }
    /// Partitions that cannot be compacted (conflicting column types), skipped until restart.
    private var skipped: Set<String> = []
    /// Whether an interrupted compaction may be left in the lake: at first, and after a
    /// step that threw, until `recover()` has run.
    private(set) var needsRecovery = true

    init(lake: any DirectoryExchanging, settings: CompactionSettings, compression: ParquetCompression = .zstd(level: 3),
         fault: FaultInjector = .none, logger: Logger) {
        self.lake = lake
        self.settings = settings
        self.compression = compression
        self.logger = logger
        onStep = { fault.trip($0) }
    }

    /// The lake as a compactor needs it, or an error saying why this lake cannot be compacted.
    static func exchanging(_ lake: any LakeStorage) throws -> any DirectoryExchanging {
        guard let exchanging = lake as? any DirectoryExchanging else {
            throw CaptureError(.invalidInput, message: "Compaction needs a lake that can exchange two directories atomically; \(lake.description) cannot (WebHDFS has no such operation), so its files are not compacted.")
        }
        return exchanging
    }

    /// Finishes or drops a compaction a crash interrupted.
    func recover() throws {
        try finishOrDropInterrupted()
        needsRecovery = false
    }

    private func finishOrDropInterrupted() throws {
        guard let bytes = try lake.readIfExists(BronzeLayout.compactionIntent) else { return }
        let intent = try LakeJSON.decode(CompactionIntent.self, from: bytes, path: BronzeLayout.compactionIntent)
        let names = Set(try lake.list(intent.partition).map(\.name))
        if intent.staged, let first = intent.outputs.first, names.contains(first.name) {
            logger.notice("finishing a compaction interrupted after its exchange", metadata: ["partition": "\(intent.partition)"])
            try finish(intent)
        } else {
            logger.notice("dropping a compaction interrupted before its exchange", metadata: ["partition": "\(intent.partition)"])
            try lake.delete(intent.staging)
            try lake.delete(BronzeLayout.compactionIntent)
        }
    }

    /// Compacts the first closed partition that has work; `nil` when none has.
    func compactNext() throws -> CompactionIntent? {
        needsRecovery = true
        let done = try compactNextPartition()
        needsRecovery = false
        return done
    }

    private func compactNextPartition() throws -> CompactionIntent? {
        let bound = try consumerBound()
        guard bound > 0 else { return nil }
        for table in try lake.list(LakePaths.bronze) where table.isDirectory && !LakePath.isHidden(table.name) {
            for partition in try lake.list(table.path) where partition.isDirectory && partition.name.hasPrefix("date=") {
                let date = String(partition.name.dropFirst(5))
                guard !skipped.contains(partition.path),
                      CompactionPlanner.isClosed(date, grace: settings.grace, now: now()),
                      let plan = CompactionPlanner.plan(try lake.list(partition.path), bound: bound, targetBytes: settings.targetBytes)
                else { continue }
                do {
                    return try compact(table: table.name, date: date, partition: partition.path, plan: plan, bound: bound)
                } catch let error as CaptureError where error.code == .schema {
                    try skip(partition.path, table: table.name, date: date, because: error)
                } catch let error as ParquetError {
                    // A file our reader cannot read stays as it is, and so does its partition.
                    try skip(partition.path, table: table.name, date: date, because: error)
                }
            }
        }
        return nil
    }

    /// Leaves a partition as it is until the next start; nothing of it was replaced.
    private func skip(_ partition: String, table: String, date: String, because error: any Error) throws {
        logger.warning("partition not compacted; its files stay as they are", metadata: ["partition": "\(partition)", "error": "\(error)"])
        try lake.delete(BronzeLayout.compactionStaging(table: table, date: date))
        try lake.delete(BronzeLayout.compactionIntent)
        skipped.insert(partition)
    }

    /// The highest batch every consumer has read: the bronze bookmark, and silver's
    /// bookmark when silver consumes the lake (0 while silver has none yet).
    func consumerBound() throws -> UInt64 {
        var bound = try BronzeCommitter(lake: lake, fault: .none).loadBookmark().batch
        if let bytes = try lake.readIfExists(Self.silverBookmark) {
            let object = try? JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any]
            guard let batch = (object?["bronze_batch"] as? NSNumber)?.uint64Value else {
                throw CaptureError(.lakeState, message: "\(Self.silverBookmark) has no bronze_batch; compaction waits until silver writes a valid bookmark.")
            }
            bound = min(bound, batch)
        } else if try settings.silverConsumes || lake.list("").contains(where: { $0.name == "silver" && $0.isDirectory }) {
            bound = 0
        }
        return bound
    }

    static let silverBookmark = "silver/_state/bookmark.json"

    private func compact(table: String, date: String, partition: String, plan: CompactionPlanner.Plan, bound: UInt64) throws -> CompactionIntent {
        let staging = BronzeLayout.compactionStaging(table: table, date: date)
        var intent = CompactionIntent(
            table: table, date: date, partition: partition, staging: staging, bound: bound,
            outputs: plan.chunks.map { chunk in
                let ranges = chunk.compactMap { LakePaths.batchRange(ofFile: $0.name) }
                let first = ranges.map(\.lowerBound).min() ?? 0
                let last = ranges.map(\.upperBound).max() ?? 0
                return CompactionIntent.Output(name: LakePaths.compactedFileName(first: first, last: last), firstBatch: first,
                                               lastBatch: last, inputs: chunk.map { .init(name: $0.name, bytes: $0.size) })
            },
            kept: plan.kept.map(\.name), createdAt: LakeTimestamp.format())
        let existing = Set(plan.kept.map(\.name))
        guard intent.outputs.allSatisfy({ !existing.contains($0.name) }) else {
            throw CaptureError(.schema, message: "Cannot compact \(partition): a merged file's name is already taken.")
        }
        try lake.writeAtomically(BronzeLayout.compactionIntent, data: LakeJSON.encode(intent))
        try onStep(.afterIntent)

        try lake.delete(staging)
        try lake.makeDirectories(staging)
        for index in intent.outputs.indices {
            try merge(&intent.outputs[index], partition: partition, staging: staging)
            if index == 0 { try onStep(.afterFirstOutput) }
        }
        for name in intent.kept {
            try lake.link(LakePath.join(partition, name), to: LakePath.join(staging, name))
        }
        intent.staged = true
        try lake.writeAtomically(BronzeLayout.compactionIntent, data: LakeJSON.encode(intent))
        try onStep(.afterStaging)

        try lake.exchangeDirectories(staging, partition)
        try onStep(.afterExchange)
        return try finish(intent)
    }

    /// After the exchange: the record, then the old files (now in the staging directory), then the intent.
    @discardableResult
    private func finish(_ intent: CompactionIntent) throws -> CompactionIntent {
        var record = intent
        let path = BronzeLayout.compactionRecord(table: intent.table, date: intent.date, output: intent.outputs.first?.name ?? "none")
        if try lake.readIfExists(path) == nil {
            record.completedAt = LakeTimestamp.format()
            try lake.writeAtomically(path, data: LakeJSON.encode(record))
        }
        try onStep(.afterRecord)
        try lake.delete(intent.staging)
        try onStep(.afterCleanup)
        try lake.delete(BronzeLayout.compactionIntent)
        logger.info("compacted partition", metadata: [
            "partition": "\(intent.partition)", "files_before": "\(intent.inputCount + intent.kept.count)",
            "files_after": "\(intent.outputs.count + intent.kept.count)",
            "rows": "\(intent.outputs.reduce(0) { $0 + $1.rows })",
            "batches": "\(intent.outputs.map(\.firstBatch).min() ?? 0)-\(intent.outputs.map(\.lastBatch).max() ?? 0)",
        ])
        return record
    }

    /// Writes one merged file into the staging directory; fills in its rows and bytes.
    private func merge(_ output: inout CompactionIntent.Output, partition: String, staging: String) throws {
        // First pass: the union schema from every input (files are read one at a time).
        var schemas: [ParquetSchema] = []
        for input in output.inputs {
            try heartbeat()
            schemas.append(try ParquetReader(bytes: try lake.read(LakePath.join(partition, input.name))).schema)
        }
        let schema = try ParquetMerger.unionSchema(schemas, partition: partition)
        var options = ParquetWriterOptions()
        options.compression = compression
        options.createdBy = "medallion-cdc"
        options.rowGroupMaxBytes = min(settings.targetBytes, 64 << 20)
        let target = LakePath.join(staging, output.name)
        if let local = lake as? LocalLake {
            let writer = try ParquetWriter(schema: schema, options: options,
                                           output: ParquetFileOutput(path: local.fileSystemPath(target), syncOnClose: true))
            try copyRows(&output, partition: partition, schema: schema, writer: writer)
            _ = try writer.close()
            output.bytes = try lake.list(staging).first { $0.name == output.name }?.size ?? 0
        } else {
            let writer = try ParquetWriter(schema: schema, options: options, output: ParquetMemoryOutput())
            try copyRows(&output, partition: partition, schema: schema, writer: writer)
            let bytes = try writer.close().bytes
            try lake.writeAtomically(target, data: bytes)
            output.bytes = bytes.count
        }
    }

    private func copyRows<Output: ParquetOutput>(_ output: inout CompactionIntent.Output, partition: String, schema: ParquetSchema,
                                                 writer: ParquetWriter<Output>) throws {
        for index in output.inputs.indices {
            try heartbeat()
            let reader = try ParquetReader(bytes: try lake.read(LakePath.join(partition, output.inputs[index].name)))
            try ParquetMerger.append(reader, to: writer, schema: schema)
            output.inputs[index].rows = reader.rowCount
            output.rows += reader.rowCount
        }
        guard writer.rowCount == output.rows else {
            throw CaptureError(.lakeState, message: "Compacting \(partition) wrote \(writer.rowCount) rows instead of \(output.rows); nothing was replaced.")
        }
    }
}
