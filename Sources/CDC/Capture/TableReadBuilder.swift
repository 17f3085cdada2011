import Parquet
import LakeContract

/// Turns one table's COPY tuples into Parquet, one writer per UTC day of `_changed_at`,
/// and keeps the batch's bookkeeping (last position, row count, newest change).
///
/// All per-row state lives in this one value, so the COPY callback captures a single
/// variable and the hot loop pays no reference counting for its context.
struct TableReadBuilder {
    private let decoder: BronzeRowDecoder
    private let schema: ParquetSchema
    private let options: ParquetWriterOptions
    /// The field index of `_txid`; `_seq` and `_changed_at` follow it.
    private let txidField: Int
    private let sourceColumns: Int
    private let textFields: [Int?]
    private var result: TableRead
    /// Rows arrive in commit order, so runs of one day are long: that day's writer is
    /// kept at hand instead of being looked up per row.
    private var currentDay = Int64.min
    private var writer: ParquetWriter<ParquetMemoryOutput>?

    private let byteBudget: Int

    init(captured: CapturedTable, after from: TablePosition, options: ParquetWriterOptions, byteBudget: Int = .max) {
        self.byteBudget = byteBudget
        decoder = BronzeRowDecoder(types: captured.selectedTypes,
                                   names: captured.columns.map(\.name) + CaptureMetadataColumn.names)
        schema = captured.parquetSchema
        self.options = options
        txidField = captured.txidField
        sourceColumns = captured.columns.count
        textFields = captured.textFields
        result = TableRead(table: captured.table, last: from)
        result.columnNames = captured.columns.map(\.name)
    }

    @inline(__always)
    mutating func append(_ tuple: borrowing CopyBinaryTuple) throws {
        let size = tuple.bytes.count + 2
        if result.rows > 0 && size > byteBudget &- result.bytes { throw ByteBudgetReached() }
        result.bytes &+= size
        var fields = tuple.fields
        for _ in 0..<txidField { _ = fields.next() }
        let txid = fields.next().map { UInt64(bigEndianBytes: $0) } ?? 0
        let seq = fields.next().map { Int64(bitPattern: UInt64(bigEndianBytes: $0)) } ?? 0
        let postgresMicros = fields.next().map { Int64(bitPattern: UInt64(bigEndianBytes: $0)) } ?? 0
        // PostgreSQL counts microseconds from 2000-01-01; 10957 days lie between it and 1970.
        let day = Self.floorDivide(postgresMicros, 86_400_000_000) + 10_957
        if day != currentDay {
            let index = try result.partitionIndex(day: day, schema: schema, options: options)
            writer = result.partitions[index].writer
            currentDay = day
        }
        var sink = writer.unsafelyUnwrapped
        if let overflowed = try decoder.appendCapture(tuple, to: &sink, sourceColumns: sourceColumns, textFields: textFields) {
            for column in overflowed { result.overflowed[column, default: 0] += 1 }
        }
        result.last = TablePosition(txid: txid, seq: seq)
        result.rows &+= 1
        result.newestChange = max(result.newestChange, postgresMicros + 946_684_800_000_000)
    }

    /// The table's read, once the stream has ended.
    func finish() -> TableRead { result }

    static func floorDivide(_ value: Int64, _ divisor: Int64) -> Int64 {
        let quotient = value / divisor
        return (value % divisor != 0 && (value < 0) != (divisor < 0)) ? quotient - 1 : quotient
    }
}
