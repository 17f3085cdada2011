/// Reads flat Parquet files held in memory: PLAIN and dictionary encodings, RLE definition
/// levels, v1 and v2 data pages, uncompressed / SNAPPY / ZSTD pages.
public struct ParquetReader: Sendable {
    private let bytes: [UInt8]
    /// The decoded footer.
    let metadata: FileMetaData
    private let leaves: [ColumnReader.Layout]

    /// The schema, mapped back from the file's physical and logical types.
    public let schema: ParquetSchema
    /// The footer's key-value metadata.
    public let keyValueMetadata: [String: String]
    /// The footer's `created_by`.
    public let createdBy: String?

    public var rowCount: Int { Int(metadata.numRows) }
    public var rowGroupCount: Int { metadata.rowGroups.count }

    public init(bytes: [UInt8]) throws {
        let magic = ParquetWriter<ParquetMemoryOutput>.magic
        guard bytes.count >= 12, Array(bytes[0..<4]) == magic, Array(bytes[(bytes.count - 4)...]) == magic else {
            throw ParquetError(.corruptFile, "not a Parquet file (missing PAR1 magic)")
        }
        let lengthStart = bytes.count - 8
        let length = (0..<4).reduce(0) { $0 | Int(bytes[lengthStart + $1]) << (8 * $1) }
        guard length <= lengthStart - 4 else { throw ParquetError(.corruptFile, "footer length \(length) too large") }
        var decoder = ThriftCompactDecoder(bytes: bytes, position: lengthStart - length)
        let metadata = try FileMetaData.decode(from: &decoder)
        guard let root = metadata.schema.first else { throw ParquetError(.corruptFile, "empty schema") }
        let children = metadata.schema.dropFirst()
        guard Int(root.numChildren ?? 0) == children.count, children.allSatisfy({ $0.numChildren == nil || $0.numChildren == 0 }) else {
            throw ParquetError(.unsupported, "nested schemas are not supported")
        }
        var leaves: [ColumnReader.Layout] = []
        for element in children {
            leaves.append(try ColumnReader.Layout(element))
        }
        // Consistent counts bound every allocation the reader makes by the footer's row count.
        for group in metadata.rowGroups {
            guard group.columns.count == leaves.count, group.numRows >= 0 else {
                throw ParquetError(.corruptFile, "row group has \(group.columns.count) columns, schema has \(leaves.count)")
            }
            for chunk in group.columns where chunk.metaData?.numValues != group.numRows {
                throw ParquetError(.corruptFile, "column chunk and row group disagree on the number of values")
            }
        }
        guard metadata.rowGroups.reduce(0, { $0 + $1.numRows }) == metadata.numRows else {
            throw ParquetError(.corruptFile, "row groups do not add up to the file's row count")
        }
        self.bytes = bytes
        self.metadata = metadata
        self.leaves = leaves
        self.schema = ParquetSchema(leaves.map(\.column))
        self.createdBy = metadata.createdBy
        var pairs: [String: String] = [:]
        for pair in metadata.keyValueMetadata { pairs[pair.key] = pair.value ?? "" }
        self.keyValueMetadata = pairs
    }

    /// Every column's values, one array per column, `rowCount` values each.
    public func readColumns() throws -> [[ParquetValue]] {
        try leaves.indices.map { try readColumn($0) }
    }

    public func readColumn(_ index: Int) throws -> [ParquetValue] {
        guard leaves.indices.contains(index) else {
            throw ParquetError(.noSuchColumn, "column index \(index) is outside 0..<\(leaves.count)")
        }
        var values: [ParquetValue] = []
        values.reserveCapacity(rowCount)
        for group in metadata.rowGroups {
            guard let meta = group.columns[index].metaData else {
                throw ParquetError(.corruptFile, "column chunk without metadata", column: leaves[index].column.name)
            }
            try ColumnReader(layout: leaves[index], bytes: bytes).read(meta, into: &values)
        }
        return values
    }
}
