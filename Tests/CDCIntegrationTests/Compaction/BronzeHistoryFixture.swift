import Foundation
import Lake
import Parquet
@testable import CDC
import LakeContract

/// A bronze lake of many small batch files written with our writer, as the daemon writes
/// them (one file per table, day and batch), with a matching bookmark.
struct BronzeHistoryFixture {
    let directory: String
    let lake: LocalLake
    var lastBatch: UInt64 = 0
    var nextSeq: Int64 = 1

    init(_ prefix: String = "medallion-compaction") throws {
        directory = NSTemporaryDirectory() + "/\(prefix)-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        lake = LocalLake(root: directory)
    }

    func remove() {
        try? FileManager.default.removeItem(atPath: directory)
    }

    static func schema(extra: Bool) -> ParquetSchema {
        var columns = [
            ParquetColumn(name: "id", type: .int64, nullable: false),
            ParquetColumn(name: "note", type: .string, nullable: true),
            ParquetColumn(name: "amount", type: .decimal(precision: 10, scale: 2), nullable: true),
        ]
        if extra { columns.append(ParquetColumn(name: "extra", type: .string, nullable: true)) }
        columns += [
            ParquetColumn(name: "_op", type: .string, nullable: false),
            ParquetColumn(name: "_txid", type: .int64, nullable: false),
            ParquetColumn(name: "_seq", type: .int64, nullable: false),
            ParquetColumn(name: "_changed_at", type: .timestamp(utc: true), nullable: false),
            ParquetColumn(name: "_overflow", type: .json, nullable: true),
        ]
        return ParquetSchema(columns)
    }

    /// Writes `batches` batches of `rows` rows each into `table`'s partition `date`; with
    /// `extra` the files carry a column added later. Advances the bookmark.
    mutating func addBatches(_ batches: Int, rows: Int, table: String = "orders", date: String, extra: Bool = false) throws {
        let schema = Self.schema(extra: extra)
        for _ in 0..<batches {
            lastBatch += 1
            let writer = try ParquetWriter(schema: schema, output: ParquetMemoryOutput())
            for _ in 0..<rows {
                let seq = nextSeq
                nextSeq += 1
                var row: [ParquetValue] = [.int(seq % 97), seq % 5 == 0 ? .null : .string("note \(seq)"), .decimal(Int128(seq * 101))]
                if extra { row.append(seq % 3 == 0 ? .null : .string("extra \(seq)")) }
                row += [.string(seq % 7 == 0 ? "U" : "I"), .int(1000 + Int64(lastBatch)), .int(seq), .int(1_767_225_600_000_000 + seq),
                        seq % 11 == 0 ? .string("{\"amount\":\"NaN\"}") : .null]
                try writer.appendRow(row)
            }
            try lake.writeAtomically("bronze/\(table)/date=\(date)/\(LakePaths.bronzeFileName(batch: lastBatch, index: 0))",
                                     data: try writer.close().bytes)
        }
        try writeBookmark()
    }

    func writeBookmark() throws {
        let bookmark = Bookmark(batch: lastBatch, watermark: 1000 + lastBatch, tables: [:], committedAt: LakeTimestamp.format())
        try lake.writeAtomically(LakePaths.bronzeBookmark, data: LakeJSON.encode(bookmark))
    }

    func writeSilverBookmark(_ batch: UInt64) throws {
        try lake.writeAtomically(BronzeCompactor.silverBookmark, data: Array("{\"bronze_batch\": \(batch), \"version\": \"x\"}\n".utf8))
    }

    /// Every row of the table's visible files, by `_seq`, as column name → value (absent columns left out, NULLs too).
    func rows(_ table: String = "orders") throws -> [Int64: [String: ParquetValue]] {
        var result: [Int64: [String: ParquetValue]] = [:]
        for file in try lake.listFilesRecursively("bronze/\(table)") where !LakePath.isHidden(file.name) {
            let reader = try ParquetReader(bytes: try lake.read(file.path))
            let names = reader.schema.columns.map(\.name)
            let columns = try reader.readColumns()
            let seqIndex = names.firstIndex(of: "_seq")!
            for row in 0..<reader.rowCount {
                guard case .int(let seq) = columns[seqIndex][row] else { continue }
                var values: [String: ParquetValue] = [:]
                for (index, name) in names.enumerated() where columns[index][row] != .null {
                    values[name] = columns[index][row]
                }
                if result[seq] != nil { throw Duplicate(seq: seq, path: file.path) }
                result[seq] = values
            }
        }
        return result
    }

    struct Duplicate: Error {
        var seq: Int64
        var path: String
    }

    /// The visible file names of a partition.
    func files(_ partition: String) throws -> [String] {
        try lake.list(partition).filter { !$0.isDirectory && !LakePath.isHidden($0.name) }.map(\.name)
    }
}
