import Parquet
import Postgres
import LakeContract

/// Reads one table's captured changes in `(_txid, _seq)` order with `COPY ... (FORMAT
/// binary)` and encodes them straight into Parquet, one file per `_changed_at` date.
struct CaptureReader {
    let connection: PostgresConnection
    let options: ParquetWriterOptions

    /// The rows to read: after `from`, and either below the watermark (at most `limit`)
    /// or, when redoing a batch, up to and including `through`.
    enum Bound {
        case watermark(UInt64, limit: Int)
        case through(TablePosition)
    }

    /// Reads the table's rows. A value its column cannot hold makes the read start again
    /// with that column's `::text` form selected too (same snapshot, same rows), so the
    /// value reaches `_overflow`; the columns that needed it are kept in `fallback` for
    /// the next reads of the table.
    ///
    /// At most `byteBudget` bytes of COPY data are taken (always at least one row): past it
    /// the COPY is cancelled and the read ends at the last row taken (`TableRead.cut`).
    func read(_ captured: CapturedTable, after from: TablePosition, bound: Bound,
              byteBudget: Int = .max, fallback: TextFallbackColumns? = nil) throws -> TableRead {
        var captured = captured
        captured.textFallback.formUnion(fallback?.columns(of: captured.table) ?? [])
        while true {
            do {
                return try readOnce(captured, after: from, bound: bound, byteBudget: byteBudget)
            } catch let needed as OverflowNeedsText {
                let name = captured.columns[needed.column].name
                guard !captured.textFallback.contains(name) else { throw needed }
                captured.textFallback.insert(name)
                fallback?.add(name, to: captured.table)
            }
        }
    }

    private func readOnce(_ captured: CapturedTable, after from: TablePosition, bound: Bound, byteBudget: Int) throws -> TableRead {
        var sql = "COPY (SELECT \(captured.selectList) FROM \(captured.table.quotedCaptureTable) "
            + "WHERE (_txid, _seq) > ('\(from.txid)'::xid8, \(from.seq)) "
        switch bound {
        case .watermark(let watermark, let limit):
            sql += "AND _txid < '\(watermark)'::xid8 ORDER BY _txid, _seq LIMIT \(limit)"
        case .through(let last):
            sql += "AND (_txid, _seq) <= ('\(last.txid)'::xid8, \(last.seq)) ORDER BY _txid, _seq"
        }
        sql += ") TO STDOUT (FORMAT binary)"

        var parser = CopyBinaryParser(expectedFieldCount: captured.fieldCount)
        var builder = TableReadBuilder(captured: captured, after: from, options: options, byteBudget: byteBudget)
        // A savepoint to return to when the byte budget cancels the COPY (same snapshot),
        // taken in the COPY's round trip.
        do {
            try connection.copyOut("SAVEPOINT medallion_read; " + sql, cancelOnError: true) { chunk in
                try parser.feed(chunk) { tuple in try builder.append(tuple) }
            }
            try parser.finish()
        } catch is ByteBudgetReached {
            try connection.execute("ROLLBACK TO SAVEPOINT medallion_read")
            var read = builder.finish()
            read.cut = true
            return read
        } catch {
            // Leave the transaction usable for the caller's retry (OverflowNeedsText).
            _ = try? connection.execute("ROLLBACK TO SAVEPOINT medallion_read")
            throw error
        }
        return builder.finish()
    }
}

/// The changes read from one table for one batch, already encoded.
struct TableRead {
    var table: TableName
    /// The last change read (the bookmark after this batch), or the start bound when none.
    var last: TablePosition
    var rows = 0
    var partitions: [Partition] = []
    /// The newest `_changed_at` read, in microseconds since 1970.
    var newestChange = Int64.min
    /// Per source column index, how many of its values went to `_overflow`.
    var overflowed: [Int: Int] = [:]
    /// The source column names, for `overflowed`.
    var columnNames: [String] = []
    /// COPY bytes taken.
    var bytes = 0
    /// Whether the byte budget ended the read before its row bound.
    var cut = false

    struct Partition {
        /// Days since 1970-01-01 (UTC) of `_changed_at`.
        var day: Int64
        var writer: ParquetWriter<ParquetMemoryOutput>
    }

    init(table: TableName, last: TablePosition) {
        self.table = table
        self.last = last
    }

    mutating func partitionIndex(day: Int64, schema: ParquetSchema, options: ParquetWriterOptions) throws -> Int {
        if let index = partitions.lastIndex(where: { $0.day == day }) { return index }
        partitions.append(Partition(day: day, writer: try ParquetWriter(schema: schema, options: options, output: ParquetMemoryOutput())))
        return partitions.count - 1
    }
}

extension UInt64 {
    @inline(__always)
    init(bigEndianBytes bytes: UnsafeRawBufferPointer) {
        self = bytes.count == 8 ? UInt64(bigEndian: bytes.loadUnaligned(as: UInt64.self)) : 0
    }
}

/// The byte budget of a read is used up: the COPY is cancelled.
struct ByteBudgetReached: Error {}
