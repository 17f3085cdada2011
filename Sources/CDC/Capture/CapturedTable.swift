import Parquet

/// A table under capture: its name, and the columns bronze stores for it.
struct CapturedTable: Sendable, Hashable {
    var table: TableName
    /// The source columns, in capture-table order (new columns come last).
    var columns: [CaptureColumn]

    /// The select list of the capture `COPY`: source columns, then `_op, _txid, _seq, _changed_at`.
    var selectList: String {
        let source = columns.map { $0.postgresType.selectExpression(PostgresConnection.quoteIdentifier($0.name)) }
        return (source + CaptureMetadataColumn.names).joined(separator: ", ")
    }

    /// Every selected column's type, in select-list order.
    var selectedTypes: [PostgresType] {
        columns.map(\.postgresType) + CaptureMetadataColumn.types
    }

    /// The field index of `_txid` in a COPY tuple (`_seq` and `_changed_at` follow it).
    var txidField: Int { columns.count + 1 }

    /// The bronze Parquet schema: source columns nullable, capture columns required.
    var parquetSchema: ParquetSchema {
        let source = columns.map { ParquetColumn(name: $0.name, type: $0.postgresType.parquetType, nullable: true) }
        let metadata = zip(CaptureMetadataColumn.names, CaptureMetadataColumn.types).map {
            ParquetColumn(name: $0.0, type: $0.1.parquetType, nullable: false)
        }
        return ParquetSchema(source + metadata)
    }
}
