/// Encodes one column of a row group into a column chunk: optional dictionary page,
/// v1 data pages (definition levels + values), compression, statistics.
///
/// Reuses its page, compression and index buffers across chunks; the encoded chunk is left
/// in ``chunk`` for the caller to write out.
final class ColumnChunkWriter {
    /// Larger min/max values are left out of the statistics, to keep footers small.
    static let maxStatisticsBytes = 4096

    private let compressor = Compressor()
    private var page: [UInt8] = []
    private var compressed: [UInt8] = []
    private var indices: [UInt32] = []
    private var hashTable: [Int32] = []
    private(set) var chunk: [UInt8] = []
    private var totalUncompressed = 0
    private var firstDataPageOffset = -1
    private var dataPages: Int32 = 0
    private var compression = ParquetCompression.uncompressed

    init() {}

    static func bitWidth(forDictionarySize count: Int) -> Int {
        count <= 1 ? 1 : 64 - (count - 1).leadingZeroBitCount
    }

    func write(
        _ column: ColumnBuffer, _ descriptor: ColumnDescriptor, options: ParquetWriterOptions, fileOffset: Int64
    ) throws -> ColumnChunk {
        chunk.removeAll(keepingCapacity: true)
        totalUncompressed = 0
        firstDataPageOffset = -1
        dataPages = 0
        compression = descriptor.compression
        let dictionaryAllowed = options.dictionaryEnabled && column.valueCount > 0
        let deltaAllowed = options.deltaEncodingEnabled
        let bounds: StatisticsBuilder.Bounds?
        let valueEncoding: Encoding

        switch descriptor.storage {
        case .boolean:
            bounds = column.booleans.withUnsafeBufferPointer { StatisticsBuilder.booleans($0) }
            try column.booleans.withUnsafeBufferPointer { values in
                try writeDataPages(column, rowsPerPage: max(8, options.dataPageMaxBytes * 8), encoding: .plain) { range, out in
                    PlainEncoder.appendBooleans(UnsafeBufferPointer(rebasing: values[range]), into: &out)
                }
            }
            valueEncoding = .plain
        case .int32:
            (bounds, valueEncoding) = try column.int32s.withUnsafeBufferPointer { values in
                try writeFixed(values, column, options, dictionaryAllowed, width: 4,
                               stats: { StatisticsBuilder.integers($0).map { (StatisticsBuilder.littleEndian($0.min), StatisticsBuilder.littleEndian($0.max)) } },
                               plain: { PlainEncoder.appendRaw($0, into: &$1) },
                               delta: deltaAllowed ? { DeltaBinaryPackedEncoder.append($0, into: &$1) } : nil)
            }
        case .int64:
            (bounds, valueEncoding) = try column.int64s.withUnsafeBufferPointer { values in
                try writeFixed(values, column, options, dictionaryAllowed, width: 8,
                               stats: { StatisticsBuilder.integers($0).map { (StatisticsBuilder.littleEndian($0.min), StatisticsBuilder.littleEndian($0.max)) } },
                               plain: { PlainEncoder.appendRaw($0, into: &$1) },
                               delta: deltaAllowed ? { DeltaBinaryPackedEncoder.append($0, into: &$1) } : nil)
            }
        case .float:
            (bounds, valueEncoding) = try column.floats.withUnsafeBufferPointer { floats in
                try floats.withMemoryRebound(to: UInt32.self) { values in
                    try writeFixed(values, column, options, dictionaryAllowed, width: 4,
                                   stats: { bits in
                                       bits.withMemoryRebound(to: Float.self) { StatisticsBuilder.floats($0) }
                                           .map { (StatisticsBuilder.littleEndian($0.min), StatisticsBuilder.littleEndian($0.max)) }
                                   },
                                   plain: { PlainEncoder.appendRaw($0, into: &$1) })
                }
            }
        case .double:
            (bounds, valueEncoding) = try column.doubles.withUnsafeBufferPointer { doubles in
                try doubles.withMemoryRebound(to: UInt64.self) { values in
                    try writeFixed(values, column, options, dictionaryAllowed, width: 8,
                                   stats: { bits in
                                       bits.withMemoryRebound(to: Double.self) { StatisticsBuilder.floats($0) }
                                           .map { (StatisticsBuilder.littleEndian($0.min), StatisticsBuilder.littleEndian($0.max)) }
                                   },
                                   plain: { PlainEncoder.appendRaw($0, into: &$1) })
                }
            }
        case .int128:
            let width = descriptor.typeLength
            (bounds, valueEncoding) = try column.int128s.withUnsafeBufferPointer { values in
                try writeFixed(values, column, options, dictionaryAllowed, width: width,
                               stats: { StatisticsBuilder.integers($0).map { (PlainEncoder.bigEndianBytes($0.min, width: width), PlainEncoder.bigEndianBytes($0.max, width: width)) } },
                               plain: { PlainEncoder.appendBigEndian($0, width: width, into: &$1) })
            }
        case .byteArray, .fixed16:
            let fixed = descriptor.storage == .fixed16
            (bounds, valueEncoding) = try column.bytes.withUnsafeBufferPointer { bytes in
                try column.offsets.withUnsafeBufferPointer { offsets in
                    let values = ByteSlices(base: UnsafeRawPointer(bytes.baseAddress) ?? UnsafeRawPointer(bitPattern: 1)!,
                                            offsets: fixed ? nil : offsets.baseAddress!, stride: 16, count: column.valueCount)
                    return try writeBytes(values, column, options, dictionaryAllowed)
                }
            }
        }

        var statistics = Statistics()
        statistics.nullCount = Int64(column.rows - column.valueCount)
        if let bounds, bounds.min.count <= Self.maxStatisticsBytes, bounds.max.count <= Self.maxStatisticsBytes {
            statistics.minValue = bounds.min
            statistics.maxValue = bounds.max
            if descriptor.legacyStatistics {
                statistics.min = bounds.min
                statistics.max = bounds.max
            }
        }

        var meta = ColumnMetaData()
        meta.type = descriptor.physicalType.rawValue
        let usedDictionary = valueEncoding == .rleDictionary
        meta.encodings = (usedDictionary ? [Encoding.plain, .rleDictionary] : [valueEncoding]).map(\.rawValue)
        if descriptor.column.nullable { meta.encodings.append(Encoding.rle.rawValue) }
        meta.pathInSchema = [descriptor.column.name]
        meta.codec = descriptor.compression.codec.rawValue
        meta.numValues = Int64(column.rows)
        meta.totalUncompressedSize = Int64(totalUncompressed)
        meta.totalCompressedSize = Int64(chunk.count)
        meta.dataPageOffset = fileOffset + Int64(max(firstDataPageOffset, 0))
        if usedDictionary {
            meta.dictionaryPageOffset = fileOffset
            meta.encodingStats.append(PageEncodingStats(pageType: .dictionaryPage, encoding: .plain, count: 1))
        }
        meta.encodingStats.append(PageEncodingStats(pageType: .dataPage, encoding: valueEncoding, count: dataPages))
        meta.statistics = statistics
        return ColumnChunk(fileOffset: fileOffset, metaData: meta)
    }

    private func writeFixed<T: FixedWidthInteger>(
        _ values: UnsafeBufferPointer<T>, _ column: ColumnBuffer, _ options: ParquetWriterOptions,
        _ dictionaryAllowed: Bool, width: Int,
        stats: (UnsafeBufferPointer<T>) -> StatisticsBuilder.Bounds?,
        plain: (UnsafeBufferPointer<T>, inout [UInt8]) -> Void,
        delta: ((UnsafeBufferPointer<T>, inout [UInt8]) -> Void)? = nil
    ) throws -> (StatisticsBuilder.Bounds?, Encoding) {
        if dictionaryAllowed,
           let dictionary = DictionaryBuilder.build(values, maxEntries: options.dictionaryMaxBytes / width, indices: &indices, table: &hashTable) {
            let bitWidth = Self.bitWidth(forDictionarySize: dictionary.count)
            if dictionary.count * width + (values.count * bitWidth + 7) / 8 < values.count * width {
                page.removeAll(keepingCapacity: true)
                dictionary.withUnsafeBufferPointer { plain($0, &page) }
                try writePage(.dictionaryPage, numValues: dictionary.count, encoding: .plain)
                try writeIndexPages(column, bitWidth: bitWidth, options: options)
                return (dictionary.withUnsafeBufferPointer(stats), .rleDictionary)
            }
        }
        if let delta {
            try writeDataPages(column, rowsPerPage: max(1, options.dataPageMaxBytes / width), encoding: .deltaBinaryPacked) { range, out in
                delta(UnsafeBufferPointer(rebasing: values[range]), &out)
            }
            return (stats(values), .deltaBinaryPacked)
        }
        try writeDataPages(column, rowsPerPage: max(1, options.dataPageMaxBytes / width), encoding: .plain) { range, out in
            plain(UnsafeBufferPointer(rebasing: values[range]), &out)
        }
        return (stats(values), .plain)
    }

    private func writeBytes(
        _ values: ByteSlices, _ column: ColumnBuffer, _ options: ParquetWriterOptions, _ dictionaryAllowed: Bool
    ) throws -> (StatisticsBuilder.Bounds?, Encoding) {
        let plainSize = values.byteCount(0..<values.count) + (values.offsets == nil ? 0 : 4 * values.count)
        if dictionaryAllowed,
           let dictionary = DictionaryBuilder.build(values, maxBytes: options.dictionaryMaxBytes, indices: &indices, table: &hashTable) {
            let bitWidth = Self.bitWidth(forDictionarySize: dictionary.count)
            if dictionary.bytes.count + 4 * dictionary.count + (values.count * bitWidth + 7) / 8 < plainSize {
                let bounds = try ByteSlices.with(
                    bytes: dictionary.bytes, offsets: values.offsets == nil ? nil : dictionary.offsets,
                    stride: values.stride, count: dictionary.count
                ) { entries in
                    page.removeAll(keepingCapacity: true)
                    PlainEncoder.appendByteArrays(entries, 0..<entries.count, into: &page)
                    try writePage(.dictionaryPage, numValues: entries.count, encoding: .plain)
                    return StatisticsBuilder.bytes(entries)
                }
                try writeIndexPages(column, bitWidth: bitWidth, options: options)
                return (bounds, .rleDictionary)
            }
        }
        let variable = values.offsets != nil
        try writeDataPages(
            column, rowsPerPage: max(1, options.dataPageMaxBytes / 16), encoding: .plain,
            pageBytes: variable ? (values, options.dataPageMaxBytes) : nil
        ) { range, out in
            PlainEncoder.appendByteArrays(values, range, into: &out)
        }
        return (StatisticsBuilder.bytes(values), .plain)
    }

    private func writeIndexPages(_ column: ColumnBuffer, bitWidth: Int, options: ParquetWriterOptions) throws {
        let rowsPerPage = max(8, options.dataPageMaxBytes * 8 / bitWidth)
        try indices.withUnsafeBufferPointer { indices in
            try writeDataPages(column, rowsPerPage: rowsPerPage, encoding: .rleDictionary) { range, out in
                out.append(UInt8(bitWidth))
                var encoder = RLEHybridEncoder(bitWidth: bitWidth)
                for index in indices[range] { encoder.put(index, into: &out) }
                encoder.finish(into: &out)
            }
        }
    }

    /// Splits the chunk's rows into pages; `pageBytes` sizes pages of variable-length values.
    private func writeDataPages(
        _ column: ColumnBuffer, rowsPerPage: Int, encoding: Encoding,
        pageBytes: (values: ByteSlices, limit: Int)? = nil,
        values encode: (Range<Int>, inout [UInt8]) throws -> Void
    ) throws {
        let rows = column.rows
        let nullable = column.nullable
        try column.definitions.withUnsafeBufferPointer { definitions in
            var row = 0
            var value = 0
            while row < rows {
                var rowEnd = row
                var valueEnd = value
                if let (values, limit) = pageBytes {
                    var bytes = 0
                    while rowEnd < rows && (rowEnd == row || bytes < limit) {
                        if !nullable || definitions[rowEnd] != 0 {
                            bytes += 4 + values[valueEnd].count
                            valueEnd += 1
                        }
                        rowEnd += 1
                    }
                } else {
                    rowEnd = min(rows, row + rowsPerPage)
                    if nullable {
                        var present = 0
                        for level in definitions[row..<rowEnd] { present &+= Int(level) }
                        valueEnd = value + present
                    } else {
                        valueEnd = rowEnd
                    }
                }
                page.removeAll(keepingCapacity: true)
                if nullable {
                    Self.appendDefinitionLevels(
                        UnsafeBufferPointer(rebasing: definitions[row..<rowEnd]), present: valueEnd - value, into: &page)
                }
                try encode(value..<valueEnd, &page)
                try writePage(.dataPage, numValues: rowEnd - row, encoding: encoding)
                row = rowEnd
                value = valueEnd
            }
        }
    }

    /// v1 pages prefix the levels with their byte length (4 bytes, little-endian).
    static func appendDefinitionLevels(_ levels: UnsafeBufferPointer<UInt8>, present: Int, into out: inout [UInt8]) {
        let lengthIndex = out.count
        out.append(contentsOf: [0, 0, 0, 0])
        if present == levels.count || present == 0 {
            appendRLERun(value: present == 0 ? 0 : 1, count: levels.count, into: &out)
        } else {
            var encoder = RLEHybridEncoder(bitWidth: 1)
            for level in levels { encoder.put(UInt32(level), into: &out) }
            encoder.finish(into: &out)
        }
        let length = UInt32(out.count - lengthIndex - 4)
        for i in 0..<4 { out[lengthIndex + i] = UInt8(truncatingIfNeeded: length >> UInt32(8 * i)) }
    }

    /// One RLE run of a bit-width-1 value.
    static func appendRLERun(value: UInt8, count: Int, into out: inout [UInt8]) {
        var header = UInt64(count) << 1
        while header >= 0x80 {
            out.append(UInt8(truncatingIfNeeded: header) | 0x80)
            header >>= 7
        }
        out.append(UInt8(header))
        out.append(value)
    }

    private func writePage(_ type: PageType, numValues: Int, encoding: Encoding) throws {
        let uncompressedSize = page.count
        guard uncompressedSize <= Int(Int32.max), numValues <= Int(Int32.max) else {
            throw ParquetError(.invalidLength, "page of \(uncompressedSize) bytes is too large")
        }
        let compressedSize: Int
        if compression != .uncompressed {
            try page.withUnsafeBytes { try compressor.compress($0, using: compression, into: &compressed) }
            compressedSize = compressed.count
        } else {
            compressedSize = uncompressedSize
        }
        var header = PageHeader(type: type.rawValue, uncompressedPageSize: Int32(uncompressedSize),
                                compressedPageSize: Int32(compressedSize))
        if type == .dictionaryPage {
            header.dictionaryPage = .init(numValues: Int32(numValues), encoding: encoding.rawValue)
        } else {
            header.dataPage = .init(numValues: Int32(numValues), encoding: encoding.rawValue)
            if firstDataPageOffset < 0 { firstDataPageOffset = chunk.count }
            dataPages += 1
        }
        var encoder = ThriftCompactEncoder()
        header.encode(into: &encoder)
        chunk.append(contentsOf: encoder.bytes)
        chunk.append(contentsOf: compression != .uncompressed ? compressed : page)
        totalUncompressed += encoder.bytes.count + uncompressedSize
    }
}
