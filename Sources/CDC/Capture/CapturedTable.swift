import Parquet
import Postgres

/// A table under capture: its name, and the columns bronze stores for it.
struct CapturedTable: Sendable, Hashable {
    var table: TableName
    /// The source columns, in capture-table order (new columns come last).
    var columns: [CaptureColumn]
    /// Source columns also selected as `::text`, for values their Parquet type cannot hold
    /// (see `BronzeRowDecoder.appendCapture`); added when a read meets such a value.
    var textFallback: Set<String> = []
    /// The source table's oid as install last saw it (`cdc.captured_tables.source_oid`; nil
    /// in installs before it): logical capture knows a table renamed since by it.
    var sourceOid: UInt32?

    init(table: TableName, columns: [CaptureColumn], textFallback: Set<String> = [], sourceOid: UInt32? = nil) {
        self.table = table
        self.columns = columns
        self.textFallback = textFallback
        self.sourceOid = sourceOid
    }

    /// The select list of the capture `COPY`: source columns, then `_op, _txid, _seq,
    /// _changed_at`, then the `::text` form of each column in `textFallback`.
    var selectList: String {
        let source = columns.map { $0.selectExpression() }
        let texts = columns.filter { textFallback.contains($0.name) }.map { PostgresConnection.quoteIdentifier($0.name) + "::text" }
        return (source + CaptureMetadataColumn.names + texts).joined(separator: ", ")
    }

    /// Per source column, the index of its `::text` field among the extra fields, or nil.
    var textFields: [Int?] {
        var next = 0
        return columns.map { column in
            guard textFallback.contains(column.name) else { return nil }
            defer { next += 1 }
            return next
        }
    }

    /// Every selected column's type before the `::text` fields, in select-list order.
    var selectedTypes: [PostgresType] {
        columns.map(\.postgresType) + CaptureMetadataColumn.types
    }

    /// How many fields a COPY tuple of this select list has.
    var fieldCount: Int { columns.count + CaptureMetadataColumn.types.count + textFallback.count }

    /// The field index of `_txid` in a COPY tuple (`_seq` and `_changed_at` follow it).
    var txidField: Int { columns.count + 1 }

    /// The bronze Parquet schema: source columns nullable, capture columns required, then
    /// `_overflow` (nullable JSON text).
    var parquetSchema: ParquetSchema {
        let source = columns.map { ParquetColumn(name: $0.name, type: $0.postgresType.parquetType, nullable: true) }
        let metadata = zip(CaptureMetadataColumn.names, CaptureMetadataColumn.types).map {
            ParquetColumn(name: $0.0, type: $0.1.parquetType, nullable: false)
        }
        return ParquetSchema(source + metadata + [ParquetColumn(name: CaptureMetadataColumn.overflow, type: .string, nullable: true)])
    }
}
