import Foundation
import Lake
import Testing
@testable import CDC
import LakeContract

@Suite("Bronze bookkeeping")
struct BronzeBookkeepingTests {
    @Test("civil dates from days since 1970, including before 1970 and leap days")
    func civilDates() {
        #expect(civilDate(daysSinceEpoch: 0) == "1970-01-01")
        #expect(civilDate(daysSinceEpoch: -1) == "1969-12-31")
        #expect(civilDate(daysSinceEpoch: 11_016) == "2000-02-29")
        #expect(civilDate(daysSinceEpoch: 20_783) == "2026-11-26")
        #expect(civilDate(daysSinceEpoch: 2_932_896) == "9999-12-31")
        #expect(TableReadBuilder.floorDivide(-1, 86_400_000_000) == -1)
    }

    @Test("file names carry the batch, zero-padded so they sort")
    func fileNames() {
        #expect(LakePaths.bronzeFileName(batch: 42, index: 1) == "part-00000000000000000042-0001.parquet")
        #expect(LakePaths.batch(ofFile: "part-00000000000000000042-0001.parquet") == 42)
        #expect(LakePaths.batch(ofFile: ".part-00000000000000000042-0001.parquet.tmp-1") == nil)
        #expect(BronzeLayout.partition(TableName(schema: "sales", name: "x"), date: "2026-11-26") == "bronze/sales.x/date=2026-11-26")
    }

    @Test("snapshot visibility follows xmin, xmax and the in-progress list")
    func snapshots() throws {
        let snapshot = try #require(PostgresSnapshot("100:105:101,103"))
        #expect(snapshot.sees(99) && snapshot.sees(102) && snapshot.sees(104))
        #expect(!snapshot.sees(101) && !snapshot.sees(103) && !snapshot.sees(105))
        #expect(PostgresSnapshot("garbage") == nil)
    }

    @Test("the bookmark round-trips as JSON with snake-case keys")
    func bookmarkJSON() throws {
        let bookmark = Bookmark(batch: 7, watermark: 900, tables: ["public.orders": TablePosition(txid: 899, seq: 12)],
                                committedAt: "2026-11-26T12:00:00Z")
        let bytes = try LakeJSON.encode(bookmark)
        #expect(String(decoding: bytes, as: UTF8.self).contains("\"committed_at\""))
        #expect(try LakeJSON.decode(Bookmark.self, from: bytes, path: "bronze/bookmark") == bookmark)
        #expect(throws: CaptureError.self) { try LakeJSON.decode(Bookmark.self, from: Array("{".utf8), path: "bronze/bookmark") }
    }

    @Test("the daemon's commit record reads as the lake contract's CommitRecord")
    func commitRecordContract() throws {
        let file = BronzeFile(path: "bronze/sales.x/date=2026-11-26/part-00000000000000000007-0000.parquet", rows: 3, bytes: 812)
        let intent = BatchIntent(batch: 7, watermark: 900, tables: [
            BatchIntent.TableRange(table: TableName(schema: "sales", name: "x"), from: TablePosition(txid: 1, seq: 2),
                                   to: TablePosition(txid: 899, seq: 12), rows: 3, columns: [], files: [file]),
        ], createdAt: "2026-11-26T12:00:00Z")
        let record = try LakeJSONCoding.decode(CommitRecord.self, from: try LakeJSON.encode(intent))
        #expect(record == CommitRecord(batch: 7, tables: [.init(table: .init(schema: "sales", name: "x"), files: [file])]))
    }

    @Test("the commit log is compacted to the retained window")
    func compaction() throws {
        let lake = MemoryLake()
        for batch in UInt64(1)...30 {
            try lake.writeAtomically(LakePaths.commitRecord(batch), data: [1])
        }
        try BronzeCommitter(lake: lake, fault: .none).compactCommitRecords(before: 25)
        let left = try lake.list(LakePaths.bronzeCommits).compactMap { UInt64($0.name.prefix(20)) }
        #expect(left == Array(25...30))
    }

    @Test("table names parse as name or schema.name, and bad ones are refused")
    func tableNames() throws {
        #expect(try TableName(parsing: "orders") == TableName(name: "orders"))
        #expect(try TableName(parsing: "sales.orders").lakeName == "sales.orders")
        #expect(try TableName(parsing: "sales.orders").captureTable == "sales__orders_changes")
        #expect(throws: CaptureError.self) { try TableName(parsing: "a.b.c") }
        #expect(throws: CaptureError.self) { try TableName(parsing: "") }
    }

    @Test("fault steps parse, and a bad one is refused")
    func faults() throws {
        let fault = try FaultInjector(environment: "after-files@3")
        #expect(fault.isArmed(.afterFiles, batch: 3) && !fault.isArmed(.afterFiles, batch: 2))
        #expect(throws: CaptureError.self) { try FaultInjector(environment: "whenever") }
        #expect(!(try FaultInjector(environment: nil)).isArmed(.afterIntent, batch: 1))
    }
}
