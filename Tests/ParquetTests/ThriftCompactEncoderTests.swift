import Testing
@testable import Parquet

@Suite struct ThriftCompactEncoderTests {
    @Test func zigzagMapsSignedToUnsigned() {
        let cases: [(Int64, UInt64)] = [
            (0, 0), (-1, 1), (1, 2), (-2, 3), (2_147_483_647, 4_294_967_294), (-2_147_483_648, 4_294_967_295),
            (Int64.max, UInt64.max - 1), (Int64.min, UInt64.max),
        ]
        for (signed, unsigned) in cases {
            #expect(ThriftCompactEncoder.zigzag(signed) == unsigned)
            #expect(ThriftCompactDecoder.unzigzag(unsigned) == signed)
        }
    }

    @Test func varintsUseSevenBitGroupsLeastSignificantFirst() {
        let cases: [(UInt64, [UInt8])] = [(0, [0x00]), (1, [0x01]), (127, [0x7F]), (128, [0x80, 0x01]), (300, [0xAC, 0x02]),
                                           (UInt64(UInt32.max), [0xFF, 0xFF, 0xFF, 0xFF, 0x0F])]
        for (value, bytes) in cases {
            var encoder = ThriftCompactEncoder()
            encoder.writeVarint(value)
            #expect(encoder.bytes == bytes)
        }
    }

    @Test func fieldHeadersUseDeltasUpToFifteenElseLongForm() {
        var e = ThriftCompactEncoder()
        e.beginStruct()
        e.field(1, i32: 3)        // delta 1, type i32 (5): 0x15, zigzag(3) = 6
        e.field(5, i64: -1)       // delta 4, type i64 (6): 0x46, zigzag(-1) = 1
        e.field(30, string: "a")  // delta 25: long form, type binary (8), zigzag(30) = 60
        e.field(2, bool: true)    // negative delta: long form, bool true (1), zigzag(2) = 4
        e.field(3, bool: false)   // delta 1, bool false (2): 0x12
        e.endStruct()
        #expect(e.bytes == [0x15, 0x06, 0x46, 0x01, 0x08, 0x3C, 0x01, 0x61, 0x01, 0x04, 0x12, 0x00])
    }

    @Test func nestedStructsRestartFieldIDs() {
        var e = ThriftCompactEncoder()
        e.beginStruct()
        e.field(1) { $0.field(1, i32: 7) }
        e.field(2, i32: 1)
        e.endStruct()
        #expect(e.bytes == [0x1C, 0x15, 0x0E, 0x00, 0x15, 0x02, 0x00])
    }

    @Test func listHeadersPackShortSizesIntoOneByte() {
        var e = ThriftCompactEncoder()
        e.writeListHeader(count: 3, elementType: .i32)
        e.writeListHeader(count: 14, elementType: .structure)
        e.writeListHeader(count: 20, elementType: .binary)
        #expect(e.bytes == [0x35, 0xEC, 0xF8, 0x14])
    }

    @Test func decoderSkipsUnknownFields() throws {
        var e = ThriftCompactEncoder()
        e.beginStruct()
        e.field(1, i32: -5)
        e.field(2, stringList: Array(repeating: "xyz", count: 17))
        e.field(3) { inner in
            inner.field(1, i64: 1 << 40)
            inner.field(2) { $0.field(9, binary: [1, 2, 3]) }
        }
        e.field(4, i32List: [1, 2, 3])
        e.field(20, bool: true)
        e.field(21, i8: -3)
        e.endStruct()

        var d = ThriftCompactDecoder(bytes: e.bytes)
        var seen: [Int16: String] = [:]
        try d.readStruct { d, id, type in
            switch id {
            case 1: seen[1] = String(try d.readI32())
            case 20: seen[20] = String(type == .booleanTrue)
            default: return false
            }
            return true
        }
        #expect(seen == [1: "-5", 20: "true"])
        #expect(d.position == e.bytes.count)
    }

    @Test func fileMetaDataRoundTrips() throws {
        var meta = FileMetaData()
        var root = SchemaElement(name: "schema")
        root.numChildren = 1
        var leaf = SchemaElement(name: "amount")
        leaf.type = .int64
        leaf.repetition = .optional
        leaf.logicalType = .decimal(scale: 2, precision: 12)
        leaf.convertedType = .decimal
        leaf.scale = 2
        leaf.precision = 12
        meta.schema = [root, leaf]
        meta.numRows = 3
        var column = ColumnMetaData()
        column.type = PhysicalType.int64.rawValue
        column.encodings = [0, 8, 3]
        column.pathInSchema = ["amount"]
        column.codec = 6
        column.numValues = 3
        column.dataPageOffset = 4
        column.statistics = Statistics(max: [9], min: [1], nullCount: 1, maxValue: [9], minValue: [1])
        meta.rowGroups = [RowGroup(columns: [ColumnChunk(fileOffset: 4, metaData: column)], totalByteSize: 10, numRows: 3)]
        meta.keyValueMetadata = [("k", "v")]
        meta.createdBy = "test version 1.0.0"
        meta.typeDefinedColumnOrders = 1
        var encoder = ThriftCompactEncoder()
        meta.encode(into: &encoder)

        var decoder = ThriftCompactDecoder(bytes: encoder.bytes)
        let decoded = try FileMetaData.decode(from: &decoder)
        #expect(decoder.position == encoder.bytes.count)
        #expect(decoded.numRows == 3)
        #expect(decoded.schema.count == 2)
        #expect(decoded.schema[1].logicalType == .decimal(scale: 2, precision: 12))
        #expect(decoded.schema[1].convertedType == .decimal)
        #expect(decoded.rowGroups.first?.columns.first?.metaData?.statistics?.nullCount == 1)
        #expect(decoded.rowGroups.first?.columns.first?.metaData?.encodings == [0, 8, 3])
        #expect(decoded.createdBy == "test version 1.0.0")
        #expect(decoded.keyValueMetadata.first?.value == "v")
    }
}
