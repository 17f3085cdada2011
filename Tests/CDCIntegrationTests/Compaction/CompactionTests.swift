import Foundation
import Lake
import Logging
import Parquet
import Synchronization
import Testing
import TestSupport
@testable import CDC
import LakeContract

/// Bronze compaction without a database: lakes written with our writer, compacted in
/// process (and by `medallion compact` where a real crash or the lock matters).
@Suite("Bronze compaction", .serialized)
struct CompactionTests {
    struct SimulatedCrash: Error {}

    static func compactor(_ lake: LocalLake, target: Int = 1 << 20, silverConsumes: Bool = false) -> BronzeCompactor {
        var settings = CompactionSettings()
        settings.targetBytes = target
        settings.grace = .zero
        settings.silverConsumes = silverConsumes
        return BronzeCompactor(lake: lake, settings: settings, logger: Logger(label: "test"))
    }

    static func compactAll(_ compactor: BronzeCompactor) throws -> [CompactionIntent] {
        try compactor.recover()
        var done: [CompactionIntent] = []
        while let next = try compactor.compactNext() { done.append(next) }
        return done
    }

    static func independentReaders(_ fixture: BronzeHistoryFixture, table: String = "orders") throws -> [String: Any] {
        try PythonTool.runJSON(Repository.root + "/Tests/python/read_bronze.py", [fixture.directory, table])
    }

    @Test("the planner merges small files of consumed batches in runs of the target size and keeps the rest")
    func planner() {
        func entry(_ name: String, _ size: Int) -> LakeEntry { LakeEntry(path: "p/\(name)", name: name, isDirectory: false, size: size) }
        let small = (1...6).map { entry(LakePaths.bronzeFileName(batch: UInt64($0), index: 0), 40) }
        let big = entry(LakePaths.compactedFileName(first: 100, last: 200), 1000)
        let hidden = entry(".part-x.tmp-1", 10)
        let plan = CompactionPlanner.plan(small + [big, hidden], bound: 5, targetBytes: 100)
        // Batches 1-5 are consumed: runs of at most 100 bytes are 1-2, 3-4; 5 alone stays; 6 is above the bound.
        #expect(plan?.chunks.map { $0.map(\.name) } == [[small[0].name, small[1].name], [small[2].name, small[3].name]])
        #expect(plan?.kept.map(\.name) == [small[4].name, small[5].name, big.name].sorted())
        #expect(CompactionPlanner.plan(small, bound: 1, targetBytes: 100) == nil, "one consumed file: nothing to merge")
        #expect(CompactionPlanner.plan(small + [LakeEntry(path: "p/d", name: "d", isDirectory: true, size: 0)], bound: 9, targetBytes: 1000) == nil)
        #expect(LakePaths.batchRange(ofFile: big.name) == 100...200)
        #expect(LakePaths.batch(ofFile: big.name) == 200)
        #expect(CompactionPlanner.daysSinceEpoch("1970-01-02") == 1 && CompactionPlanner.daysSinceEpoch("2026-11-26") == 20_783)
        #expect(civilDate(daysSinceEpoch: CompactionPlanner.daysSinceEpoch("2024-02-29")!) == "2024-02-29")
        let now = Date(timeIntervalSince1970: 20_784 * 86_400 + 1800)  // 2026-11-27 00:30 UTC
        #expect(!CompactionPlanner.isClosed("2026-11-26", grace: .seconds(3600), now: now))
        #expect(CompactionPlanner.isClosed("2026-11-26", grace: .seconds(1800), now: now))
        #expect(!CompactionPlanner.isClosed("2026-11-27", grace: .zero, now: now))
    }

    @Test("closed partitions become few files with every value kept; a second run changes nothing")
    func mergesAndIsIdempotent() throws {
        var fixture = try BronzeHistoryFixture()
        defer { fixture.remove() }
        for day in 1...3 {
            try fixture.addBatches(40, rows: 3, date: "2026-01-0\(day)")
            try fixture.addBatches(40, rows: 2, table: "ordershistory", date: "2026-01-0\(day)")
        }
        let today = civilDate(daysSinceEpoch: Int64(Date().timeIntervalSince1970 / 86_400))
        try fixture.addBatches(5, rows: 2, date: today)
        let before = try fixture.rows()
        let seenBefore = try Self.independentReaders(fixture)

        let done = try Self.compactAll(Self.compactor(fixture.lake))
        #expect(done.count == 6, "three closed days of two tables")
        for day in 1...3 {
            #expect(try fixture.files("bronze/orders/date=2026-01-0\(day)").count == 1)
        }
        #expect(try fixture.files("bronze/orders/date=\(today)").count == 5, "today is not closed")
        #expect(try fixture.rows() == before)
        let seenAfter = try Self.independentReaders(fixture)
        #expect(seenAfter["pyarrow_rows"] as? Int == before.count && seenAfter["duckdb_rows"] as? Int == before.count)
        #expect(NSDictionary(dictionary: seenAfter["non_null"] as? [String: Int] ?? [:]) == NSDictionary(dictionary: seenBefore["non_null"] as? [String: Int] ?? [:]))
        // The record maps every old name to the merged file.
        let record = try LakeJSON.decode(CompactionIntent.self, from: try fixture.lake.read(
            BronzeLayout.compactionRecord(table: "orders", date: "2026-01-01", output: done[0].outputs[0].name)), path: "record")
        #expect(record.outputs[0].inputs.map(\.name) == (1...40).map { LakePaths.bronzeFileName(batch: UInt64($0), index: 0) }.filter { _ in true }.sorted())
        #expect(record.outputs[0].rows == 120 && record.completedAt != nil)
        #expect(try !fixture.lake.exists(BronzeLayout.compactionIntent))
        #expect(try fixture.lake.list("bronze/_cdc/compacting/orders").isEmpty)

        let listing = try fixture.lake.listFilesRecursively("bronze")
        #expect(try Self.compactAll(Self.compactor(fixture.lake)).isEmpty)
        #expect(try fixture.lake.listFilesRecursively("bronze") == listing)
    }

    @Test("only batches every consumer has read are merged")
    func consumerBound() throws {
        var fixture = try BronzeHistoryFixture()
        defer { fixture.remove() }
        try fixture.addBatches(20, rows: 2, date: "2026-01-01")
        try fixture.lake.makeDirectories("silver")
        #expect(try Self.compactAll(Self.compactor(fixture.lake)).isEmpty, "silver exists without a bookmark: nothing")
        try fixture.lake.delete("silver")
        #expect(try Self.compactAll(Self.compactor(fixture.lake, silverConsumes: true)).isEmpty, "silver will consume: nothing yet")

        try fixture.writeSilverBookmark(12)
        let done = try Self.compactAll(Self.compactor(fixture.lake))
        #expect(done.count == 1 && done[0].outputs.map(\.lastBatch) == [12] && done[0].bound == 12)
        let names = try fixture.files("bronze/orders/date=2026-01-01")
        #expect(names == [LakePaths.bronzeFileName(batch: 12, index: 0)].map { _ in LakePaths.compactedFileName(first: 1, last: 12) }
                + (13...20).map { LakePaths.bronzeFileName(batch: UInt64($0), index: 0) })
        // The bronze bookmark bounds too (silver cannot be ahead of it, but a copy of a lake may be).
        try fixture.writeSilverBookmark(50)
        var behind = fixture
        behind.lastBatch = 16
        try behind.writeBookmark()
        let more = try Self.compactAll(Self.compactor(fixture.lake))
        #expect(more.count == 1 && more[0].outputs.map(\.lastBatch) == [16] && more[0].outputs[0].firstBatch == 1)
        #expect(try fixture.files("bronze/orders/date=2026-01-01").count == 5)
        #expect(try fixture.rows().count == 40)
    }

    @Test("files with and without a column added later merge into the union schema; readers agree")
    func columnUnion() throws {
        var fixture = try BronzeHistoryFixture()
        defer { fixture.remove() }
        try fixture.addBatches(5, rows: 4, date: "2026-01-01")
        try fixture.addBatches(5, rows: 4, date: "2026-01-01", extra: true)
        let before = try fixture.rows()
        let seenBefore = try Self.independentReaders(fixture)
        #expect(try Self.compactAll(Self.compactor(fixture.lake)).count == 1)
        let merged = try fixture.files("bronze/orders/date=2026-01-01")
        #expect(merged.count == 1)
        let reader = try ParquetReader(bytes: try fixture.lake.read("bronze/orders/date=2026-01-01/\(merged[0])"))
        #expect(reader.schema.columns.map(\.name) == ["id", "note", "amount", "_op", "_txid", "_seq", "_changed_at", "_overflow", "extra"])
        #expect(reader.schema.columns.first { $0.name == "amount" }?.type == .decimal(precision: 10, scale: 2))
        #expect(reader.schema.columns.first { $0.name == "_overflow" }?.type == .json)
        #expect(try fixture.rows() == before, "the same values; the old files' rows have no extra")
        let seenAfter = try Self.independentReaders(fixture)
        #expect(seenAfter["duckdb_rows"] as? Int == 40 && seenAfter["pyarrow_rows"] as? Int == 40)
        #expect((seenAfter["non_null"] as? [String: Int])?["extra"] == (seenBefore["non_null"] as? [String: Int])?["extra"])
    }

    @Test("a lake without an atomic directory exchange is not compacted: compact refuses, naming why")
    func refusesWithoutExchange() throws {
        let lake = ListingOnlyLake(MemoryLake())
        let compaction = BronzeCompaction(lake: lake, settings: CompactionSettings(), logger: Logger(label: "test"))
        #expect { _ = try compaction.run() } throws: { error in
            (error as? CaptureError)?.message.contains("cannot (WebHDFS has no such operation)") == true
        }
        #expect(try lake.readIfExists("bronze/_cdc/daemon.json") == nil, "refused before taking the lock")
    }

    @Test("a partition with a file our reader cannot read is left as it is; the others are compacted")
    func unreadableFile() throws {
        var fixture = try BronzeHistoryFixture()
        defer { fixture.remove() }
        try fixture.addBatches(5, rows: 2, date: "2026-01-01")
        try fixture.addBatches(5, rows: 2, date: "2026-01-02")
        let damaged = "bronze/orders/date=2026-01-01/\(LakePaths.bronzeFileName(batch: 3, index: 0))"
        try fixture.lake.writeAtomically(damaged, data: Array(try fixture.lake.read(damaged).dropLast(9)))
        let done = try Self.compactAll(Self.compactor(fixture.lake))
        #expect(done.map(\.date) == ["2026-01-02"])
        #expect(try fixture.files("bronze/orders/date=2026-01-01").count == 5)
        #expect(try !fixture.lake.exists(BronzeLayout.compactionIntent))
        #expect(try fixture.lake.listFilesRecursively("bronze/_cdc/compacting").isEmpty)
    }

    @Test("on a lake other than a local directory the merged file is written whole (in-memory lake)")
    func memoryLake() throws {
        var fixture = try BronzeHistoryFixture()
        defer { fixture.remove() }
        try fixture.addBatches(8, rows: 3, date: "2026-01-01", extra: false)
        try fixture.addBatches(4, rows: 3, date: "2026-01-01", extra: true)
        let memory = MemoryLake()
        for file in try fixture.lake.listFilesRecursively("bronze") {
            try memory.writeAtomically(file.path, data: try fixture.lake.read(file.path))
        }
        var settings = CompactionSettings()
        settings.grace = .zero
        let compactor = BronzeCompactor(lake: memory, settings: settings, logger: Logger(label: "test"))
        let done = try compactor.compactNext()
        #expect(done?.outputs.map(\.rows) == [36])
        let files = try memory.list("bronze/orders/date=2026-01-01")
        #expect(files.map(\.name) == [LakePaths.compactedFileName(first: 1, last: 12)])
        let reader = try ParquetReader(bytes: try memory.read(files[0].path))
        #expect(reader.rowCount == 36 && reader.schema.columns.contains { $0.name == "extra" })
        #expect(try compactor.compactNext() == nil)
    }

    @Test("a crash after any step is finished or undone by the next run: no row lost or doubled, no partial state visible",
          arguments: CompactionStep.allCases)
    func crashAtStep(_ step: CompactionStep) throws {
        var fixture = try BronzeHistoryFixture()
        defer { fixture.remove() }
        try fixture.addBatches(30, rows: 3, date: "2026-01-01")
        // Two outputs (batches 1-15, 16-29; 30 is left alone), so a crash can come between
        // them; the merged files are below the target, so a second pass merges all three.
        let target = (try fixture.lake.list("bronze/orders/date=2026-01-01").reduce(0) { $0 + $1.size }) / 2 + 1
        let before = try fixture.rows()
        let oldNames = try fixture.files("bronze/orders/date=2026-01-01")
        let firstPass = [LakePaths.compactedFileName(first: 1, last: 15), LakePaths.compactedFileName(first: 16, last: 29),
                         LakePaths.bronzeFileName(batch: 30, index: 0)]

        let crashing = Self.compactor(fixture.lake, target: target)
        crashing.onStep = { if $0 == step { throw SimulatedCrash() } }
        #expect(throws: SimulatedCrash.self) { _ = try Self.compactAll(crashing) }
        // What a reader sees right after the crash: the old files or the new ones, whole.
        let visible = try fixture.files("bronze/orders/date=2026-01-01")
        let swapped = [.afterExchange, .afterRecord, .afterCleanup].contains(step)
        #expect(visible == (swapped ? firstPass : oldNames), "\(step): \(visible)")
        #expect(try fixture.rows() == before, "\(step)")

        let done = try Self.compactAll(Self.compactor(fixture.lake, target: target))
        #expect(done.count == (swapped ? 1 : 2), "\(step)")
        #expect(try fixture.files("bronze/orders/date=2026-01-01") == [LakePaths.compactedFileName(first: 1, last: 30)])
        #expect(try fixture.rows() == before, "\(step)")
        #expect(try !fixture.lake.exists(BronzeLayout.compactionIntent))
        #expect(try fixture.lake.listFilesRecursively("bronze/_cdc/compacting").isEmpty)
        #expect(try fixture.lake.listFilesRecursively(BronzeLayout.compactions).count == 2, "one record per compaction")
        let seen = try Self.independentReaders(fixture)
        #expect(seen["duckdb_rows"] as? Int == 90 && seen["pyarrow_rows"] as? Int == 90)
    }

    @Test("a compactor that lives on (the daemon's) recovers only after a step failed, and then finishes the job")
    func recoveryOnlyAfterAFailure() throws {
        var fixture = try BronzeHistoryFixture()
        defer { fixture.remove() }
        try fixture.addBatches(12, rows: 2, date: "2026-01-01")
        try fixture.addBatches(12, rows: 2, date: "2026-01-02")
        let before = try fixture.rows()
        let compactor = Self.compactor(fixture.lake)
        #expect(compactor.needsRecovery, "a new compactor may find an interrupted compaction")
        try compactor.recover()
        #expect(!compactor.needsRecovery)
        compactor.onStep = { if $0 == .afterStaging { throw SimulatedCrash() } }
        #expect(throws: SimulatedCrash.self) { _ = try compactor.compactNext() }
        #expect(compactor.needsRecovery, "a failed step leaves its intent behind")
        #expect(try fixture.lake.exists(BronzeLayout.compactionIntent))
        compactor.onStep = { _ in }
        try compactor.recover()
        #expect(!compactor.needsRecovery)
        #expect(try !fixture.lake.exists(BronzeLayout.compactionIntent))
        #expect(try compactor.compactNext() != nil)
        #expect(!compactor.needsRecovery, "a step that succeeded leaves nothing to recover")
        #expect(try compactor.compactNext() != nil)
        #expect(try compactor.compactNext() == nil)
        #expect(try fixture.rows() == before)
    }

    @Test("a reader listing and reading partitions while they are compacted always sees every row exactly once")
    func concurrentReader() throws {
        var fixture = try BronzeHistoryFixture()
        defer { fixture.remove() }
        for day in 1...4 {
            try fixture.addBatches(60, rows: 2, date: "2026-01-0\(day)")
        }
        let expected = try fixture.rows().count
        let lake = fixture.lake
        let state = ReaderState()
        let reader = Thread {
            defer { state.finished.signal() }
            while !state.stop.load(ordering: .acquiring) {
                do {
                    var rows = 0
                    for partition in try lake.list("bronze/orders") where partition.isDirectory {
                        let files = try lake.list(partition.path).filter { !LakePath.isHidden($0.name) }
                        let merged = files.filter { LakePaths.batchRange(ofFile: $0.name).map { $0.count > 1 } ?? false }
                        if !merged.isEmpty && merged.count != files.count {
                            state.bad.withLock { $0.append("both old and merged files in \(partition.path)") }
                        }
                        for file in files {
                            rows += try ParquetReader(bytes: try lake.read(file.path)).rowCount
                        }
                    }
                    if rows != expected { state.bad.withLock { $0.append("\(rows) rows instead of \(expected)") } }
                    state.completed.add(1, ordering: .releasing)
                } catch let error as LakeError where error.code == .notFound {
                    // Listed before an exchange, opened after: the file moved; list again.
                    state.retries.add(1, ordering: .relaxed)
                } catch {
                    state.bad.withLock { $0.append("\(error)") }
                }
            }
        }
        reader.start()
        @Sendable func awaitReads(_ count: Int) throws {
            let target = state.completed.load(ordering: .acquiring) + count
            try Poll.until("the reader to complete \(count) passes", timeout: 120, interval: 0.005) {
                state.completed.load(ordering: .acquiring) >= target
            }
        }
        try awaitReads(1)
        let compactor = Self.compactor(lake)
        // Make sure the reader runs passes both while staged and right after each exchange.
        compactor.onStep = { step in
            if step == .afterStaging || step == .afterExchange { try awaitReads(2) }
        }
        let done = try Self.compactAll(compactor)
        try awaitReads(2)
        state.stop.store(true, ordering: .releasing)
        state.finished.wait()
        let badReads = state.bad.withLock { $0 }
        #expect(done.count == 4)
        #expect(badReads.isEmpty, "\(badReads.prefix(5))")
        #expect(state.completed.load(ordering: .acquiring) >= 17)
        #expect(try fixture.rows().count == expected)
    }
}

/// What the concurrent reader of `concurrentReader` shares with the test.
private final class ReaderState: Sendable {
    let stop = Atomic<Bool>(false)
    let completed = Atomic<Int>(0)
    let retries = Atomic<Int>(0)
    let bad = Mutex<[String]>([])
    let finished = DispatchSemaphore(value: 0)
}

/// A lake that only has the basic operations (as WebHDFS: no directory exchange).
private struct ListingOnlyLake: LakeStorage {
    let base: MemoryLake
    init(_ base: MemoryLake) { self.base = base }
    var description: String { "webhdfs://double/lake" }
    func writeAtomically(_ path: String, data: [UInt8]) throws { try base.writeAtomically(path, data: data) }
    func read(_ path: String) throws -> [UInt8] { try base.read(path) }
    func list(_ directory: String) throws -> [LakeEntry] { try base.list(directory) }
    func delete(_ path: String) throws { try base.delete(path) }
    func rename(_ source: String, to target: String) throws { try base.rename(source, to: target) }
    func makeDirectories(_ path: String) throws { try base.makeDirectories(path) }
}
