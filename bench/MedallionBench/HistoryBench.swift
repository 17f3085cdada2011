import Foundation
import LakeContract
import Parquet
#if canImport(Glibc)
import Glibc
#endif

/// `MedallionBench history --lake DIR --days N --batches-per-day B [--new-batch true]`
///
/// Writes a bronze history as the daemon lays it out (one small file per table, day and
/// batch; `bronze/bookmark`), straight with our Parquet writer and without fsync, so that
/// tens of thousands of batches take seconds. The retail tables' bronze shape, as
/// spark-jobs/tests/bronze_fixture.py writes it. Each batch: two new orders (with their
/// NEW history) and the delivery of an order of an earlier batch. Days end yesterday (UTC),
/// so they are closed for compaction. `--new-batch true` appends one batch, now, after the
/// lake's bookmark. Prints {"batches": n, "files": n, "bytes": n, "seconds": s}.
enum HistoryBench {
    static let capture = [
        ParquetColumn(name: "_op", type: .string, nullable: false),
        ParquetColumn(name: "_txid", type: .int64, nullable: false),
        ParquetColumn(name: "_seq", type: .int64, nullable: false),
        ParquetColumn(name: "_changed_at", type: .timestamp(utc: true), nullable: false),
    ]
    static let orders = ParquetSchema([
        ParquetColumn(name: "id", type: .int64, nullable: false),
        ParquetColumn(name: "branch", type: .string, nullable: true),
        ParquetColumn(name: "customer", type: .string, nullable: true),
        ParquetColumn(name: "amount", type: .decimal(precision: 12, scale: 2), nullable: true),
        ParquetColumn(name: "status", type: .string, nullable: true),
        ParquetColumn(name: "created_at", type: .timestamp(utc: true), nullable: true),
        ParquetColumn(name: "updated_at", type: .timestamp(utc: true), nullable: true),
    ] + capture)
    static let history = ParquetSchema([
        ParquetColumn(name: "id", type: .int64, nullable: false),
        ParquetColumn(name: "order_id", type: .int64, nullable: true),
        ParquetColumn(name: "status", type: .string, nullable: true),
        ParquetColumn(name: "changed_at", type: .timestamp(utc: true), nullable: true),
    ] + capture)
    static let branches = ["Amsterdam", "Berlin", "Copenhagen", "Dublin", "Edinburgh", "Florence", "Geneva", "Hamburg"]

    static func run(_ arguments: [String]) throws {
        let options = try BenchOptions(arguments, allowed: ["lake", "days", "batches-per-day", "new-batch"])
        let lake = options.string("lake", default: "")
        guard !lake.isEmpty else { throw BenchUsageError(description: "--lake is required") }
        let start = ResourceUsage.now()
        var written = (batches: 0, files: 0, bytes: 0)
        let microsPerDay: Int64 = 86_400_000_000
        let today = Int64(Date().timeIntervalSince1970) / 86_400
        if options.string("new-batch", default: "false") == "true" {
            let batch = try bookmark(lake) + 1
            try writeBatch(lake, batch: batch, at: Int64(Date().timeIntervalSince1970 * 1_000_000), record: true, written: &written)
            try writeBookmark(lake, batch: batch)
        } else {
            let days = try options.int("days", default: 30)
            let perDay = try options.int("batches-per-day", default: 2000)
            var batch: UInt64 = 0
            let total = UInt64(days * perDay)
            for day in (today - Int64(days))..<today {
                for index in 0..<perDay {
                    batch += 1
                    let at = day * microsPerDay + Int64(index) * (microsPerDay / Int64(perDay))
                    // The daemon keeps the commit records of its last 1,000 batches.
                    try writeBatch(lake, batch: batch, at: at, record: batch + 1_000 > total, written: &written)
                }
            }
            try writeBookmark(lake, batch: batch)
        }
        let seconds = ResourceUsage.now() - start
        print("{\"batches\": \(written.batches), \"files\": \(written.files), \"bytes\": \(written.bytes), \"seconds\": \(String(format: "%.3f", seconds))}")
    }

    private static func writeBatch(_ lake: String, batch: UInt64, at micros: Int64, record: Bool,
                                   written: inout (batches: Int, files: Int, bytes: Int)) throws {
        let date = civil(micros / 86_400_000_000)
        let txid = Int64(batch) + 1000
        var seq = Int64(batch) * 10
        let order = try makeWriter(orders)
        let change = try makeWriter(history)
        for offset in 0..<2 {
            let id = Int64(batch) * 2 + Int64(offset)
            seq += 1
            try order.appendRow([.int(id), .string(branches[Int(id) % branches.count]), .string("customer-\(id % 500)"),
                                 .decimal(Int128(1000 + id % 9000)), .string("NEW"), .int(micros), .int(micros),
                                 .string("I"), .int(txid), .int(seq), .int(micros)])
            try change.appendRow([.int(id * 10), .int(id), .string("NEW"), .int(micros), .string("I"), .int(txid), .int(seq), .int(micros)])
        }
        if batch > 10 {
            // Deliver an order of ten batches ago.
            let id = Int64(batch - 10) * 2
            seq += 1
            try change.appendRow([.int(id * 10 + 1), .int(id), .string("DELIVERED"), .int(micros), .string("I"), .int(txid), .int(seq), .int(micros)])
            seq += 1
            try order.appendRow([.int(id), .string(branches[Int(id) % branches.count]), .string("customer-\(id % 500)"),
                                 .decimal(Int128(1000 + id % 9000)), .string("DELIVERED"), .int(micros - 3_600_000_000), .int(micros),
                                 .string("U"), .int(txid), .int(seq), .int(micros)])
        }
        var tables: [CommitRecord.Table] = []
        for (table, writer) in [("orders", order), ("ordershistory", change)] {
            let rows = writer.rowCount
            let directory = "\(lake)/bronze/\(table)/date=\(date)"
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            let bytes = try writer.close().bytes
            let name = LakePaths.bronzeFileName(batch: batch, index: 0)
            guard FileManager.default.createFile(atPath: "\(directory)/\(name)", contents: Data(bytes)) else {
                throw BenchUsageError(description: "cannot write \(directory)/\(name)")
            }
            tables.append(CommitRecord.Table(table: CommitRecord.Source(name: table),
                                             files: [BronzeFile(path: "bronze/\(table)/date=\(date)/\(name)", rows: rows, bytes: bytes.count)]))
            written.files += 1
            written.bytes += bytes.count
        }
        if record {
            let path = "\(lake)/\(LakePaths.commitRecord(batch))"
            try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            let record = try LakeJSONCoding.encode(CommitRecord(batch: batch, tables: tables))
            guard FileManager.default.createFile(atPath: path, contents: Data(record)) else {
                throw BenchUsageError(description: "cannot write \(path)")
            }
        }
        written.batches += 1
    }

    private static func makeWriter(_ schema: ParquetSchema) throws -> ParquetWriter<ParquetMemoryOutput> {
        var options = ParquetWriterOptions()
        options.compression = .zstd(level: 3)
        options.createdBy = "medallion-cdc"
        return try ParquetWriter(schema: schema, options: options, output: ParquetMemoryOutput())
    }

    private static func bookmark(_ lake: String) throws -> UInt64 {
        let data = try Data(contentsOf: URL(fileURLWithPath: "\(lake)/\(Bookmark.path)"))
        return try Bookmark.decode(Array(data)).batch
    }

    private static func writeBookmark(_ lake: String, batch: UInt64) throws {
        let bookmark = Bookmark(batch: batch, watermark: batch + 1000, tables: [:], committedAt: LakeTimestamp.format())
        let temporary = "\(lake)/bronze/.bookmark.tmp"
        try Data(try bookmark.encoded()).write(to: URL(fileURLWithPath: temporary))
        guard rename(temporary, "\(lake)/\(Bookmark.path)") == 0 else { throw BenchUsageError(description: "cannot write the bookmark") }
    }

    /// `YYYY-MM-DD` of days since 1970-01-01 (UTC).
    private static func civil(_ days: Int64) -> String {
        let date = Date(timeIntervalSince1970: Double(days) * 86_400)
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let parts = calendar.dateComponents([.year, .month, .day], from: date)
        return String(format: "%04d-%02d-%02d", parts.year!, parts.month!, parts.day!)
    }
}
