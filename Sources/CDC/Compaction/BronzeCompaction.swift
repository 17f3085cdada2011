import Lake
import Logging
import Parquet

/// `medallion compact`: takes the lake lock (refusing while a daemon holds it), finishes a
/// compaction a crash interrupted, then compacts every closed partition that has work.
public struct BronzeCompaction: Sendable {
    public let lake: any LakeStorage
    public let settings: CompactionSettings
    public var compression: ParquetCompression = .zstd(level: 3)
    public var fault: FaultInjector = .none
    let logger: Logger

    public init(lake: any LakeStorage, settings: CompactionSettings, logger: Logger) {
        self.lake = lake
        self.settings = settings
        self.logger = logger
    }

    /// Runs to the end; `progress` gets one line per partition compacted.
    public func run(progress: (String) -> Void = { _ in }) throws -> CompactionReport {
        let exchanging = try BronzeCompactor.exchanging(lake)
        let lock = LakeLock(lake: lake)
        try lock.acquire()
        defer { lock.release() }
        let compactor = BronzeCompactor(lake: exchanging, settings: settings, compression: compression, fault: fault, logger: logger)
        compactor.heartbeat = { try lock.renewIfDue(state: "compacting", batch: nil) }
        try compactor.recover()
        let before = try BronzeInventory.count(lake)
        var report = CompactionReport()
        report.bound = try compactor.consumerBound()
        var compactions: [String: Int] = [:]
        while let done = try compactor.compactNext() {
            compactions[done.table, default: 0] += 1
            CaptureMetrics.compacted(table: done.table, filesRemoved: done.inputCount - done.outputs.count)
            progress("\(done.partition): \(done.inputCount) files (\(done.outputs.reduce(0) { $0 + $1.inputs.reduce(0) { $0 + $1.bytes } }) bytes) -> \(done.outputs.count) (\(done.outputs.reduce(0) { $0 + $1.bytes }) bytes), batches \(done.outputs.map(\.firstBatch).min() ?? 0)-\(done.outputs.map(\.lastBatch).max() ?? 0)")
            try lock.renewIfDue(state: "compacting", batch: nil)
        }
        let after = try BronzeInventory.count(lake)
        for table in Set(before.keys).union(after.keys).sorted() {
            report.tables.append(CompactionReport.Table(
                table: table, filesBefore: before[table]?.files ?? 0, bytesBefore: before[table]?.bytes ?? 0,
                filesAfter: after[table]?.files ?? 0, bytesAfter: after[table]?.bytes ?? 0, compactions: compactions[table] ?? 0))
        }
        return report
    }
}
