@testable import CDC
import Parquet
import Testing

@Suite struct BronzeRowDecoderTests {
    static let types: [PostgresType] = [.int4, .text, .numeric(NumericTypmod(precision: 10, scale: 2)), .unsupported(oid: 1186), .uuid, .bool]
    static let row: [[UInt8]?] = [
        SendBytes.be(Int32(7)), SendBytes.text("abc"), SendBytes.numeric(weight: 0, dscale: 2, digits: [1, 5000]),
        SendBytes.text("1 day 02:00:00"), nil, [1],
    ]

    @Test func appendDrivesTypedAppendsThenEndsTheRow() throws {
        let decoder = BronzeRowDecoder(types: Self.types)
        var sink = RecordingSink()
        var parser = CopyBinaryParser(expectedFieldCount: Self.types.count)
        try SendBytes.copyStream([Self.row, Array(repeating: nil, count: 6)]).withUnsafeBytes { bytes in
            try parser.feed(bytes) { try decoder.append($0, to: &sink) }
        }
        try parser.finish()
        #expect(sink.events == [
            .value(0, .int(7)), .value(1, .bytes(SendBytes.text("abc"))), .value(2, .decimal(150)),
            .value(3, .bytes(SendBytes.text("1 day 02:00:00"))), .value(4, .null), .value(5, .bool(true)), .endRow,
            .value(0, .null), .value(1, .null), .value(2, .null), .value(3, .null), .value(4, .null), .value(5, .null), .endRow,
        ])
    }

    @Test func appendFieldsHonoursFirstColumnAndLeavesTheRowOpen() throws {
        let decoder = BronzeRowDecoder(types: [.int2])
        var sink = RecordingSink()
        var parser = CopyBinaryParser()
        try SendBytes.copyStream([[SendBytes.be(Int16(5))]]).withUnsafeBytes { bytes in
            try parser.feed(bytes) { try decoder.appendFields($0, to: &sink, firstColumn: 3) }
        }
        #expect(sink.events == [.value(3, .int(5))])
    }

    @Test func valuesMatchTheParquetTypes() throws {
        let decoder = BronzeRowDecoder(types: Self.types)
        #expect(decoder.parquetTypes == [.int32, .string, .decimal(precision: 10, scale: 2), .string, .uuid, .boolean])
        let rows = try decodeValues(SendBytes.copyStream([Self.row]), types: Self.types)
        #expect(rows == [[.int(7), .string("abc"), .decimal(150), .string("1 day 02:00:00"), .null, .bool(true)]])
    }

    @Test func fieldCountMismatchWithoutParserCheck() {
        let decoder = BronzeRowDecoder(types: [.int4, .int4])
        var parser = CopyBinaryParser() // no expected count: the decoder still checks
        let error = #expect(throws: CopyBinaryError.self) {
            try SendBytes.copyStream([[SendBytes.be(Int32(1))]]).withUnsafeBytes { bytes in
                try parser.feed(bytes) { _ = try decoder.values($0) }
            }
        }
        #expect(error?.kind == .fieldCount)
    }

    @Test func errorsNameTheColumn() {
        let error = #expect(throws: CopyBinaryError.self) {
            try decodeValues(SendBytes.copyStream([[SendBytes.be(Int32(1)), [1, 2]]]), types: [.int4, .uuid], names: ["id", "external_id"])
        }
        #expect(error?.column == "external_id")
        #expect(error?.description.hasPrefix("COPY BINARY: column \"external_id\": a uuid field must be 16 bytes, got 2") == true)
    }

    @Test func parquetWriterIsASink() {
        // Compile-time check that the hot path accepts the real writer type.
        func appendAll<O: ParquetOutput>(_ decoder: BronzeRowDecoder, _ tuple: borrowing CopyBinaryTuple, _ writer: inout ParquetWriter<O>) throws {
            try decoder.append(tuple, to: &writer)
        }
        _ = appendAll as (BronzeRowDecoder, borrowing CopyBinaryTuple, inout ParquetWriter<NullOutput>) throws -> Void
    }
}

private struct NullOutput: ParquetOutput {
    mutating func write(_ bytes: UnsafeRawBufferPointer) throws {}
}
