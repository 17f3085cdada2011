import Testing
import TestSupport
@testable import Parquet

@Suite struct WriterReaderTests {
    private func roundTrip(_ schema: ParquetSchema, _ rows: [[ParquetValue]], options: ParquetWriterOptions = .init()) throws {
        let bytes = try ParquetTestFiles.writeMemory(schema, rows, options: options)
        let reader = try ParquetReader(bytes: bytes)
        #expect(reader.schema == schema)
        #expect(reader.rowCount == rows.count)
        let expected = WrittenFile(path: "", schema: schema, rows: rows).expectedColumns
        #expect(try ParquetTestFiles.canonicalColumns(reader) == expected)
    }

    /// The encodings of each column chunk in the file's first row group, by column name.
    private func firstRowGroupEncodings(_ bytes: [UInt8]) throws -> [String: Set<Int32>] {
        Dictionary(uniqueKeysWithValues: try ParquetReader(bytes: bytes).metadata.rowGroups[0].columns.map {
            ($0.metaData!.pathInSchema[0], Set($0.metaData!.encodings))
        })
    }

    @Test(arguments: [ParquetCompression.zstd, .snappy, .uncompressed, .zstd(level: 19)])
    func everyTypeRoundTrips(compression: ParquetCompression) throws {
        let (schema, rows) = ParquetFixtures.edgeCases()
        var options = ParquetWriterOptions()
        options.compression = compression
        try roundTrip(schema, rows, options: options)
    }

    @Test func plainAndTinyPagesAndRowGroupsRoundTrip() throws {
        let (schema, rows) = ParquetFixtures.edgeCases(rows: 200)
        var options = ParquetWriterOptions()
        options.dictionaryEnabled = false
        options.dataPageMaxBytes = 50
        options.rowGroupMaxRows = 37
        try roundTrip(schema, rows, options: options)
        let reader = try ParquetReader(bytes: try ParquetTestFiles.writeMemory(schema, rows, options: options))
        #expect(reader.rowGroupCount == 6)
    }

    /// Page sizes that end DELTA_BINARY_PACKED pages inside, on and just past miniblock and
    /// block boundaries; a page of one value has no deltas at all.
    @Test(arguments: [8, 16, 256, 264, 1000, 1024, 1032, 2056, 1 << 20])
    func deltaEncodedIntegersRoundTrip(pageBytes: Int) throws {
        let (schema, rows) = ParquetFixtures.integers(rows: 2500)
        var options = ParquetWriterOptions()
        options.dictionaryEnabled = false
        options.dataPageMaxBytes = pageBytes
        options.rowGroupMaxRows = 1100
        let bytes = try ParquetTestFiles.writeMemory(schema, rows, options: options)
        for (name, encodings) in try firstRowGroupEncodings(bytes) {
            #expect(encodings.contains(Encoding.deltaBinaryPacked.rawValue), "\(name)")
            #expect(!encodings.contains(Encoding.plain.rawValue), "\(name)")
        }
        try roundTrip(schema, rows, options: options)
        options.deltaEncodingEnabled = false
        #expect(try firstRowGroupEncodings(try ParquetTestFiles.writeMemory(schema, rows, options: options))["sequence"] == [Encoding.plain.rawValue])
    }

    @Test func deltaPagesOfSequencesAreSmall() throws {
        let schema = ParquetSchema([ParquetColumn(name: "id", type: .int64, nullable: false)])
        var options = ParquetWriterOptions()
        options.compression = .uncompressed
        let bytes = try ParquetTestFiles.writeMemory(schema, (0..<10_000).map { [.int(Int64($0) * 3 + 1_000_000_000_000)] }, options: options)
        let chunk = try #require(try ParquetReader(bytes: bytes).metadata.rowGroups[0].columns[0].metaData)
        // Header plus, per 128 deltas, a min delta and four zero bit widths.
        #expect(chunk.totalCompressedSize < 1000)
    }

    @Test func columnBatchesAppendRowsInOrder() throws {
        let (schema, rows) = ParquetFixtures.orders(rows: 120)
        var options = ParquetWriterOptions()
        options.rowGroupMaxRows = 50
        let writer = try ParquetWriter(schema: schema, options: options, output: ParquetMemoryOutput())
        for start in stride(from: 0, to: rows.count, by: 45) {
            let slice = rows[start..<min(start + 45, rows.count)]
            try writer.append(columns: schema.columns.indices.map { column in slice.map { $0[column] } })
        }
        let reader = try ParquetReader(bytes: try writer.close().bytes)
        #expect(reader.rowGroupCount == 3)
        #expect(try ParquetTestFiles.canonicalColumns(reader) == WrittenFile(path: "", schema: schema, rows: rows).expectedColumns)
    }

    @Test func emptyFileHasSchemaAndNoRows() throws {
        let (schema, _) = ParquetFixtures.edgeCases()
        let reader = try ParquetReader(bytes: try ParquetTestFiles.writeMemory(schema, []))
        #expect(reader.rowCount == 0)
        #expect(reader.schema == schema)
        #expect(try reader.readColumns().allSatisfy(\.isEmpty))
    }

    @Test func allNullColumnRoundTrips() throws {
        let schema = ParquetSchema([ParquetColumn(name: "s", type: .string, nullable: true),
                                    ParquetColumn(name: "d", type: .double, nullable: true)])
        try roundTrip(schema, Array(repeating: [.null, .null], count: 50))
    }

    @Test func metadataCarriesCreatedByAndKeyValues() throws {
        var options = ParquetWriterOptions()
        options.keyValueMetadata = ["medallion.table": "public.orders", "lsn": "0/16B3748"]
        options.createdBy = "medallion-cdc version 9.9.9"
        let schema = ParquetSchema([ParquetColumn(name: "x", type: .int32, nullable: false)])
        let reader = try ParquetReader(bytes: try ParquetTestFiles.writeMemory(schema, [[.int(1)]], options: options))
        #expect(reader.keyValueMetadata == options.keyValueMetadata)
        #expect(reader.createdBy == "medallion-cdc version 9.9.9")
    }

    @Test func rowGroupsFlushAsTheyFillSoMemoryStaysBounded() throws {
        struct CountingOutput: ParquetOutput {
            var written = 0
            mutating func write(_ bytes: UnsafeRawBufferPointer) throws { written += bytes.count }
        }
        var options = ParquetWriterOptions()
        options.rowGroupMaxRows = 100
        options.rowGroupMaxBytes = 20_000
        let schema = ParquetSchema([ParquetColumn(name: "id", type: .int64, nullable: false),
                                    ParquetColumn(name: "payload", type: .bytes, nullable: false)])
        let writer = try ParquetWriter(schema: schema, options: options, output: CountingOutput())
        let payload = [UInt8](repeating: 7, count: 1000)
        for i in 0..<15 {
            try writer.append(column: 0, int: Int64(i))
            try payload.withUnsafeBytes { try writer.append(column: 1, bytes: $0) }
            try writer.endRow()
        }
        // 20 KB of payload fills a row group after ~20 rows; nothing was flushed before that.
        let output = try writer.close()
        #expect(writer.rowCount == 15)
        #expect(output.written > 4)

        let memoryWriter = try ParquetWriter(schema: schema, options: options, output: ParquetMemoryOutput())
        for i in 0..<250 {
            try memoryWriter.append(column: 0, int: Int64(i))
            try payload.withUnsafeBytes { try memoryWriter.append(column: 1, bytes: $0) }
            try memoryWriter.endRow()
        }
        let reader = try ParquetReader(bytes: try memoryWriter.close().bytes)
        #expect(reader.rowCount == 250)
        #expect(reader.rowGroupCount >= 12)  // byte limit (~20 rows), not the row limit (100)
    }

    @Test func lowCardinalityColumnsAreDictionaryEncodedAndUniqueOnesPlain() throws {
        let (schema, rows) = ParquetFixtures.orders(rows: 3000)
        var options = ParquetWriterOptions()
        options.dictionaryMaxBytes = 4096
        let bytes = try ParquetTestFiles.writeMemory(schema, rows, options: options)
        let encodings = try firstRowGroupEncodings(bytes)
        #expect(encodings["branch"]!.contains(Encoding.rleDictionary.rawValue))
        #expect(encodings["status"]!.contains(Encoding.rleDictionary.rawValue))
        #expect(!encodings["id"]!.contains(Encoding.rleDictionary.rawValue))
        #expect(!encodings["note"]!.contains(Encoding.rleDictionary.rawValue))  // over the 4 KiB dictionary limit
        try roundTrip(schema, rows, options: options)
    }

    @Test func mostlyDistinctChunksGiveUpTheDictionaryEarlyAndStillRoundTrip() throws {
        // Within the default 1 MiB dictionary budget, but nearly every id is distinct.
        let (schema, rows) = ParquetFixtures.orders(rows: 20_000)
        let bytes = try ParquetTestFiles.writeMemory(schema, rows)
        let encodings = try firstRowGroupEncodings(bytes)
        #expect(!encodings["id"]!.contains(Encoding.rleDictionary.rawValue))
        #expect(encodings["branch"]!.contains(Encoding.rleDictionary.rawValue))
        try roundTrip(schema, rows)

        #expect(DictionaryBuilder.mostlyDistinct(seen: 1000, of: 8000, distinct: 900))
        #expect(!DictionaryBuilder.mostlyDistinct(seen: 1000, of: 8000, distinct: 700))
        #expect(!DictionaryBuilder.mostlyDistinct(seen: 999, of: 8000, distinct: 999))
        #expect(!DictionaryBuilder.mostlyDistinct(seen: 100, of: 800, distinct: 100))
        // Keys and timestamps: all distinct at 4,096 values of a large chunk.
        #expect(DictionaryBuilder.mostlyDistinct(seen: 4096, of: 65536, distinct: 4096))
        #expect(!DictionaryBuilder.mostlyDistinct(seen: 4096, of: 65536, distinct: 4095))
        #expect(!DictionaryBuilder.mostlyDistinct(seen: 4096, of: 32767, distinct: 4096))
    }

    @Test func statisticsFollowEachTypesSortOrder() throws {
        let schema = ParquetSchema([
            ParquetColumn(name: "i", type: .int32, nullable: true),
            ParquetColumn(name: "s", type: .string, nullable: false),
            ParquetColumn(name: "f", type: .double, nullable: false),
            ParquetColumn(name: "d", type: .decimal(precision: 30, scale: 0), nullable: false),
        ])
        let rows: [[ParquetValue]] = [
            [.int(-5), .string("b"), .double(.nan), .decimal(-2)],
            [.null, .string("é"), .double(0.0), .decimal(1)],
            [.int(7), .string("a"), .double(-0.0), .decimal(-300)],
        ]
        let bytes = try ParquetTestFiles.writeMemory(schema, rows)
        let stats = try ParquetReader(bytes: bytes).metadata.rowGroups[0].columns.map { $0.metaData!.statistics! }
        #expect(stats[0].minValue == [0xFB, 0xFF, 0xFF, 0xFF] && stats[0].maxValue == [7, 0, 0, 0])
        #expect(stats[0].min == stats[0].minValue && stats[0].nullCount == 1)
        #expect(stats[1].minValue == Array("a".utf8) && stats[1].maxValue == Array("é".utf8))
        #expect(stats[1].min == nil)  // unsigned order: no legacy min/max
        #expect(stats[2].minValue == StatisticsBuilder.littleEndian(-0.0) && stats[2].maxValue == StatisticsBuilder.littleEndian(0.0))
        #expect(stats[3].minValue == PlainEncoder.bigEndianBytes(-300, width: 13))
        #expect(stats[3].maxValue == PlainEncoder.bigEndianBytes(1, width: 13))
    }

    @Test func decimalWidthsAreMinimal() {
        #expect(ColumnDescriptor.decimalByteWidth(precision: 19) == 9)
        #expect(ColumnDescriptor.decimalByteWidth(precision: 20) == 9)
        #expect(ColumnDescriptor.decimalByteWidth(precision: 30) == 13)
        #expect(ColumnDescriptor.decimalByteWidth(precision: 38) == 16)
    }

    @Test func utf8ValidationRejectsMalformedSequences() {
        let valid: [[UInt8]] = [[], Array("plain ascii text!".utf8), Array("日本🎉é".utf8), [0xF4, 0x8F, 0xBF, 0xBF]]
        let invalid: [[UInt8]] = [[0x80], [0xC0, 0xAF], [0xE0, 0x80, 0xAF], [0xED, 0xA0, 0x80], [0xF4, 0x90, 0x80, 0x80],
                                  [0xE6, 0x97], Array("abcdefgh".utf8) + [0xFF]]
        for bytes in valid { #expect(bytes.withUnsafeBytes { UTF8Validation.isValid($0) }) }
        for bytes in invalid { #expect(!bytes.withUnsafeBytes { UTF8Validation.isValid($0) }, "\(bytes)") }
    }
}
