import Lake
import Parquet

/// Merges bronze files into one Parquet file with the union of their columns: a file
/// written before a column was added reads NULL there, as Spark's mergeSchema and DuckDB's
/// union_by_name read it. Values are copied as read (types, `_overflow`); row order within
/// a merged file follows the inputs in batch order.
///
/// Memory: one input file at a time plus the writer's current row group.
enum ParquetMerger {
    /// The union schema of `schemas` in order of first appearance; a column is nullable
    /// when any file lacks it or has it nullable. Throws when one name has two types.
    static func unionSchema(_ schemas: [ParquetSchema], partition: String) throws -> ParquetSchema {
        var columns: [ParquetColumn] = []
        var index: [String: Int] = [:]
        for schema in schemas {
            for column in schema.columns {
                if let existing = index[column.name] {
                    guard columns[existing].type == column.type else {
                        throw CaptureError(.schema, message: "Cannot compact \(partition): column \(column.name) has type \(columns[existing].type) in one file and \(column.type) in another; its files are left as they are.")
                    }
                    columns[existing].nullable = columns[existing].nullable || column.nullable
                } else {
                    index[column.name] = columns.count
                    columns.append(column)
                }
            }
        }
        for (position, column) in columns.enumerated() where !schemas.allSatisfy({ $0.columns.contains { $0.name == column.name } }) {
            columns[position].nullable = true
        }
        return ParquetSchema(columns)
    }

    /// Appends every row of `reader` to `writer`, mapping its columns by name onto `schema`.
    static func append<Output: ParquetOutput>(_ reader: ParquetReader, to writer: ParquetWriter<Output>, schema: ParquetSchema) throws {
        let names = reader.schema.columns.map(\.name)
        let sources = schema.columns.map { column in names.firstIndex(of: column.name) }
        let columns = try reader.readColumns()
        var row = [ParquetValue](repeating: .null, count: schema.columns.count)
        for position in 0..<reader.rowCount {
            for (target, source) in sources.enumerated() {
                row[target] = source.map { columns[$0][position] } ?? .null
            }
            try writer.appendRow(row)
        }
    }
}
