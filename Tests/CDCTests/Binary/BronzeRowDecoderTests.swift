@testable import CDC
import Foundation
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

    /// numeric NaN cannot be a decimal: without its text the decoder asks for it; with it,
    /// the column is NULL and `_overflow` (the sink's last column) holds the text as JSON.
    @Test func aValueItsColumnCannotHoldGoesToOverflow() throws {
        let types: [PostgresType] = [.int4, .numeric(NumericTypmod(precision: 12, scale: 2)), .text]
        let decoder = BronzeRowDecoder(types: types, names: ["id", "amount", "_op"])
        let nan = SendBytes.numeric(weight: 0, sign: 0xC000, dscale: 0, digits: [])
        func run(_ rows: [[[UInt8]?]], textFields: [Int?]) throws -> [RecordingSink.Event] {
            var sink = RecordingSink()
            var parser = CopyBinaryParser()
            try SendBytes.copyStream(rows).withUnsafeBytes { bytes in
                try parser.feed(bytes) { _ = try decoder.appendCapture($0, to: &sink, sourceColumns: 2, textFields: textFields) }
            }
            return sink.events
        }
        let asked = #expect(throws: OverflowNeedsText.self) {
            _ = try run([[SendBytes.be(Int32(1)), nan, SendBytes.text("I")]], textFields: [nil, nil])
        }
        #expect(asked?.column == 1)
        let events = try run([
            [SendBytes.be(Int32(1)), nan, SendBytes.text("I"), SendBytes.text("NaN")],
            [SendBytes.be(Int32(2)), SendBytes.numeric(weight: 0, dscale: 2, digits: [1, 5000]), SendBytes.text("U"), SendBytes.text("1.50")],
        ], textFields: [nil, 0])
        #expect(events == [
            .value(0, .int(1)), .value(1, .null), .value(2, .bytes(SendBytes.text("I"))), .value(3, .bytes(SendBytes.text(#"{"amount":"NaN"}"#))), .endRow,
            .value(0, .int(2)), .value(1, .decimal(150)), .value(2, .bytes(SendBytes.text("U"))), .value(3, .null), .endRow,
        ])
    }

    @Test func overflowJSONEscapesNamesAndTexts() throws {
        var json = OverflowJSON()
        json.add(name: #"a "quoted" col"#, text: nil)
        let text = Array("back\\slash\ttab\u{1}é".utf8)
        text.withUnsafeBytes { json.add(name: "x", text: $0) }
        var out = ""
        json.finish { out = String(decoding: $0, as: UTF8.self) }
        #expect(out == #"{"a \"quoted\" col":null,"x":"back\\slash\u0009tab\u0001é"}"#)
        let parsed = try JSONSerialization.jsonObject(with: Data(out.utf8)) as? [String: Any]
        #expect(parsed?["x"] as? String == "back\\slash\ttab\u{1}é")
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
