/// Streams rows into a Parquet file: values are buffered per column for one row group,
/// which is encoded and written out as soon as it is full, so memory is bounded by the
/// row-group size.
///
/// Hot path: per row, call one `append…`/`appendNull` per column in any order, then
/// ``endRow()``. A rejected value throws a ``ParquetError`` naming the column and row, and the
/// whole row is dropped; the writer stays usable.
///
/// ```swift
/// let writer = try ParquetWriter(schema: schema, output: ParquetMemoryOutput())
/// try writer.append(column: 0, int: 42)
/// try writer.endRow()
/// let bytes = try writer.close().bytes
/// ```
public final class ParquetWriter<Output: ParquetOutput> {
    private let descriptors: [ColumnDescriptor]
    private let options: ParquetWriterOptions
    /// Column buffers live outside the class's stored properties so that per-value appends
    /// do not pay for dynamic exclusivity checks.
    private let columns: UnsafeMutableBufferPointer<ColumnBuffer>
    private let counters: UnsafeMutablePointer<Counters>
    private let variableWidthColumns: [Int]
    private let fixedRowBytes: Int
    private let chunkWriter = ColumnChunkWriter()
    private var output: Output
    private var position: Int64 = 0
    private var rowGroups: [RowGroup] = []
    private var closed = false

    private struct Counters {
        var rowsInGroup = 0
        var rowsFlushed = 0
        /// Values given for the current row: a second value for a column is rejected, so
        /// the row is complete when this reaches the column count.
        var valuesInRow = 0
        /// Bytes of the buffered byte-array values (plus their 4-byte lengths).
        var variableBytes = 0
    }

    /// Writes the file header right away; the footer is written by ``close()``.
    public init(schema: ParquetSchema, options: ParquetWriterOptions = .init(), output: Output) throws {
        guard !schema.columns.isEmpty else { throw ParquetError(.invalidSchema, "a schema needs at least one column") }
        guard options.rowGroupMaxRows > 0, options.rowGroupMaxBytes > 0, options.dataPageMaxBytes > 0 else {
            throw ParquetError(.invalidSchema, "row group and page limits must be positive")
        }
        var names = Set<String>()
        var descriptors: [ColumnDescriptor] = []
        for column in schema.columns {
            guard !column.name.isEmpty else { throw ParquetError(.invalidSchema, "empty column name") }
            guard names.insert(column.name).inserted else {
                throw ParquetError(.invalidSchema, "duplicate column name", column: column.name)
            }
            let compression = options.columnCompression[column.name] ?? options.compression
            if case .zstd(let level) = compression, !(-7...22).contains(level) {
                throw ParquetError(.invalidSchema, "zstd level \(level) is outside -7...22", column: column.name)
            }
            descriptors.append(try ColumnDescriptor(column, compression: compression))
        }
        self.descriptors = descriptors
        self.options = options
        self.output = output
        columns = .allocate(capacity: descriptors.count)
        _ = columns.initialize(from: descriptors.map(ColumnBuffer.init))
        counters = .allocate(capacity: 1)
        counters.initialize(to: Counters())
        variableWidthColumns = descriptors.indices.filter { descriptors[$0].storage == .byteArray }
        fixedRowBytes = descriptors.reduce(0) { $0 + $1.fixedWidth + ($1.column.nullable ? 1 : 0) }
        try writeBytes(Self.magic)
    }

    deinit {
        if !closed { output.abandon() }
        for index in 0..<columns.count { columns[index].release() }
        columns.deinitialize()
        columns.deallocate()
        counters.deinitialize(count: 1)
        counters.deallocate()
    }

    static var magic: [UInt8] { Array("PAR1".utf8) }

    /// Rows completed so far (flushed or buffered).
    public var rowCount: Int {
        counters.pointee.rowsFlushed + counters.pointee.rowsInGroup
    }

    // MARK: Hot path

    @inline(__always)
    private func checkColumn(_ column: Int) throws {
        guard column >= 0 && column < columns.count else { throw columnError(column) }
        guard !closed else { throw ParquetError(.writerClosed, "the writer is closed") }
    }

    public func appendNull(column: Int) throws {
        try checkColumn(column)
        do { try columns[column].appendNull(row: counters.pointee.rowsInGroup) } catch { throw reject(error, column) }
        counters.pointee.valuesInRow &+= 1
    }

    public func append(column: Int, bool value: Bool) throws {
        try checkColumn(column)
        do { try columns[column].append(bool: value, row: counters.pointee.rowsInGroup) } catch { throw reject(error, column) }
        counters.pointee.valuesInRow &+= 1
    }

    /// For int8/int16/int32/int64, date (days) and timestamp (microseconds) columns; range-checked.
    public func append(column: Int, int value: Int64) throws {
        try checkColumn(column)
        do { try columns[column].append(int: value, row: counters.pointee.rowsInGroup) } catch { throw reject(error, column) }
        counters.pointee.valuesInRow &+= 1
    }

    public func append(column: Int, float value: Float) throws {
        try checkColumn(column)
        do { try columns[column].append(float: value, row: counters.pointee.rowsInGroup) } catch { throw reject(error, column) }
        counters.pointee.valuesInRow &+= 1
    }

    public func append(column: Int, double value: Double) throws {
        try checkColumn(column)
        do { try columns[column].append(double: value, row: counters.pointee.rowsInGroup) } catch { throw reject(error, column) }
        counters.pointee.valuesInRow &+= 1
    }

    /// For decimal columns: the unscaled value, which must have at most `precision` digits.
    public func append(column: Int, decimalUnscaled value: Int128) throws {
        try checkColumn(column)
        do {
            try columns[column].append(decimalUnscaled: value, row: counters.pointee.rowsInGroup)
        } catch { throw reject(error, column) }
        counters.pointee.valuesInRow &+= 1
    }

    /// For string and json (UTF-8 validated), bytes, and uuid (exactly 16 bytes) columns.
    public func append(column: Int, bytes value: UnsafeRawBufferPointer) throws {
        try checkColumn(column)
        do { try columns[column].append(bytes: value, row: counters.pointee.rowsInGroup) } catch { throw reject(error, column) }
        counters.pointee.valuesInRow &+= 1
        if columns[column].storage == .byteArray { counters.pointee.variableBytes &+= value.count &+ 4 }
    }

    /// Completes the row; every column must have received exactly one value. Flushes the
    /// row group when it reaches the row or byte limit.
    public func endRow() throws {
        guard !closed else { throw ParquetError(.writerClosed, "the writer is closed") }
        let row = counters.pointee.rowsInGroup
        if counters.pointee.valuesInRow != columns.count {
            for index in 0..<columns.count where columns[index].rows != row + 1 {
                rollback()
                throw ParquetError(.incompleteRow, "no value given for this row", column: descriptors[index].column.name,
                                   row: counters.pointee.rowsFlushed + row)
            }
        }
        counters.pointee.valuesInRow = 0
        counters.pointee.rowsInGroup = row + 1
        if row + 1 >= options.rowGroupMaxRows
            || fixedRowBytes &* (row + 1) &+ counters.pointee.variableBytes >= options.rowGroupMaxBytes {
            try flushRowGroup()
        }
    }

    /// Drops the values given so far for the current row.
    private func rollback() {
        let row = counters.pointee.rowsInGroup
        for index in 0..<columns.count { columns[index].removeRow(row) }
        counters.pointee.valuesInRow = 0
        var variableBytes = 0
        for index in variableWidthColumns { variableBytes &+= columns[index].estimatedBytes }
        counters.pointee.variableBytes = variableBytes
    }

    private func columnError(_ column: Int) -> ParquetError {
        rollback()
        return ParquetError(.noSuchColumn, "column index \(column) is outside 0..<\(columns.count)", row: rowCount)
    }

    private func reject(_ error: ValueError, _ column: Int) -> ParquetError {
        rollback()
        let descriptor = descriptors[column]
        let name = descriptor.column.name
        let row = rowCount
        switch error {
        case .typeMismatch(let given):
            return ParquetError(.typeMismatch, "a \(given) value does not fit a \(descriptor.column.type) column", column: name, row: row)
        case .nullInRequiredColumn:
            return ParquetError(.nullInRequiredColumn, "NULL in a required column", column: name, row: row)
        case .outOfRange(let message):
            return ParquetError(.outOfRange, message, column: name, row: row)
        case .invalidUTF8:
            return ParquetError(.invalidUTF8, "invalid UTF-8 text", column: name, row: row)
        case .invalidLength(let length):
            return ParquetError(.invalidLength, "expected 16 bytes, got \(length)", column: name, row: row)
        case .duplicate:
            return ParquetError(.duplicateValue, "a second value for the same row", column: name, row: row)
        }
    }

    // MARK: Convenience

    /// Appends a whole row; `values` follow the schema's column order.
    public func appendRow(_ values: [ParquetValue]) throws {
        guard values.count == columns.count else {
            rollback()
            throw ParquetError(.incompleteRow, "expected \(columns.count) values, got \(values.count)", row: rowCount)
        }
        for (column, value) in values.enumerated() {
            switch value {
            case .null: try appendNull(column: column)
            case .bool(let v): try append(column: column, bool: v)
            case .int(let v): try append(column: column, int: v)
            case .float(let v): try append(column: column, float: v)
            case .double(let v): try append(column: column, double: v)
            case .decimal(let v): try append(column: column, decimalUnscaled: v)
            case .string(let v):
                var text = v
                try text.withUTF8 { try append(column: column, bytes: UnsafeRawBufferPointer($0)) }
            case .bytes(let v): try v.withUnsafeBytes { try append(column: column, bytes: $0) }
            }
        }
        try endRow()
    }

    /// Appends a column batch: one array per column (schema order), all of the same length.
    /// Rows go in one at a time; if row `k` is rejected, rows before it are kept and the
    /// error is thrown (rows after it are not appended).
    public func append(columns batch: [[ParquetValue]]) throws {
        guard batch.count == columns.count else {
            throw ParquetError(.incompleteRow, "expected \(columns.count) columns, got \(batch.count)", row: rowCount)
        }
        let length = batch.first?.count ?? 0
        for (index, column) in batch.enumerated() where column.count != length {
            throw ParquetError(.incompleteRow, "batch column has \(column.count) values, expected \(length)",
                               column: descriptors[index].column.name, row: rowCount)
        }
        var row: [ParquetValue] = []
        row.reserveCapacity(batch.count)
        for position in 0..<length {
            row.removeAll(keepingCapacity: true)
            for column in batch { row.append(column[position]) }
            try appendRow(row)
        }
    }

    // MARK: Flushing

    private func writeBytes(_ bytes: [UInt8]) throws {
        try bytes.withUnsafeBytes { try output.write($0) }
        position += Int64(bytes.count)
    }

    /// Writes the buffered rows as a row group (no-op when nothing is buffered).
    public func flushRowGroup() throws {
        guard !closed else { throw ParquetError(.writerClosed, "the writer is closed") }
        let rows = counters.pointee.rowsInGroup
        guard rows > 0 else { return }
        rollback()  // a half-appended row is not part of the group
        let groupStart = position
        var group = RowGroup()
        group.numRows = Int64(rows)
        group.fileOffset = groupStart
        group.ordinal = Int16(truncatingIfNeeded: rowGroups.count)
        for index in 0..<columns.count {
            let chunk = try chunkWriter.write(columns[index], descriptors[index], options: options, fileOffset: position)
            try chunkWriter.chunk.withUnsafeBytes { try output.write($0) }
            position += Int64(chunkWriter.chunk.count)
            group.totalByteSize += chunk.metaData?.totalUncompressedSize ?? 0
            group.columns.append(chunk)
            columns[index].reset()
        }
        group.totalCompressedSize = position - groupStart
        rowGroups.append(group)
        counters.pointee.rowsFlushed += rows
        counters.pointee.rowsInGroup = 0
        counters.pointee.variableBytes = 0
    }

    /// Flushes the last row group, writes the footer, and returns the output.
    /// A row left incomplete (no ``endRow()``) is dropped.
    public func close() throws -> Output {
        guard !closed else { throw ParquetError(.writerClosed, "the writer is closed") }
        try flushRowGroup()
        var meta = FileMetaData()
        meta.schema = [rootElement] + descriptors.map(\.schemaElement)
        meta.numRows = Int64(counters.pointee.rowsFlushed)
        meta.rowGroups = rowGroups
        meta.keyValueMetadata = options.keyValueMetadata.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
        meta.createdBy = options.createdBy
        meta.typeDefinedColumnOrders = descriptors.count
        var encoder = ThriftCompactEncoder()
        meta.encode(into: &encoder)
        let length = UInt32(encoder.bytes.count)
        var footer = encoder.bytes
        footer.append(contentsOf: (0..<4).map { UInt8(truncatingIfNeeded: length >> UInt32(8 * $0)) })
        footer.append(contentsOf: Self.magic)
        try writeBytes(footer)
        closed = true
        try output.finish()
        return output
    }

    private var rootElement: SchemaElement {
        var root = SchemaElement(name: "schema")
        root.numChildren = Int32(descriptors.count)
        return root
    }
}
