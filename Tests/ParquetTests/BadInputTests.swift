import Testing
import Parquet
import TestSupport

@Suite struct BadInputTests {
    private let schema = ParquetSchema([
        ParquetColumn(name: "id", type: .int64, nullable: false),
        ParquetColumn(name: "small", type: .int8, nullable: true),
        ParquetColumn(name: "name", type: .string, nullable: false),
        ParquetColumn(name: "price", type: .decimal(precision: 5, scale: 2), nullable: true),
        ParquetColumn(name: "key", type: .uuid, nullable: true),
    ])

    private func good(_ id: Int64) -> [ParquetValue] {
        [.int(id), .int(1), .string("ok \(id)"), .decimal(100), .null]
    }

    private func expectRejected(
        _ row: [ParquetValue], kind: ParquetError.Kind, column: String?, sourceLocation: SourceLocation = #_sourceLocation
    ) throws {
        let writer = try ParquetWriter(schema: schema, output: ParquetMemoryOutput())
        try writer.appendRow(good(0))
        do {
            try writer.appendRow(row)
            Issue.record("row was accepted", sourceLocation: sourceLocation)
        } catch let error as ParquetError {
            #expect(error.kind == kind, sourceLocation: sourceLocation)
            #expect(error.column == column, sourceLocation: sourceLocation)
            #expect(error.row == 1, sourceLocation: sourceLocation)
            #expect(error.description.contains("row 1"), sourceLocation: sourceLocation)
        }
        // The rejected row left nothing behind: the next row lines up in every column.
        try writer.appendRow(good(2))
        let reader = try ParquetReader(bytes: try writer.close().bytes)
        #expect(reader.rowCount == 2, sourceLocation: sourceLocation)
        let columns = try reader.readColumns()
        #expect(columns[0] == [.int(0), .int(2)], sourceLocation: sourceLocation)
        #expect(columns[2] == [.string("ok 0"), .string("ok 2")], sourceLocation: sourceLocation)
        #expect(columns[3] == [.decimal(100), .decimal(100)], sourceLocation: sourceLocation)
    }

    @Test func wrongTypeNamesColumnAndRow() throws {
        try expectRejected([.int(1), .int(1), .int(5), .null, .null], kind: .typeMismatch, column: "name")
        try expectRejected([.string("1"), .int(1), .string("x"), .null, .null], kind: .typeMismatch, column: "id")
        try expectRejected([.int(1), .int(1), .string("x"), .int(3), .null], kind: .typeMismatch, column: "price")
    }

    @Test func nullInRequiredColumn() throws {
        try expectRejected([.int(1), .int(1), .null, .null, .null], kind: .nullInRequiredColumn, column: "name")
    }

    @Test func integerOutOfRange() throws {
        try expectRejected([.int(1), .int(128), .string("x"), .null, .null], kind: .outOfRange, column: "small")
    }

    @Test func decimalBeyondPrecision() throws {
        try expectRejected([.int(1), .null, .string("x"), .decimal(100_000), .null], kind: .outOfRange, column: "price")
        try expectRejected([.int(1), .null, .string("x"), .decimal(-100_000), .null], kind: .outOfRange, column: "price")
    }

    @Test func invalidUTF8InString() throws {
        try expectRejected([.int(1), .null, .bytes([0x61, 0xC3]), .null, .null], kind: .invalidUTF8, column: "name")
    }

    @Test func uuidOfWrongLength() throws {
        try expectRejected([.int(1), .null, .string("x"), .null, .bytes([1, 2, 3])], kind: .invalidLength, column: "key")
    }

    @Test func missingAndDuplicateValues() throws {
        let writer = try ParquetWriter(schema: schema, output: ParquetMemoryOutput())
        try writer.append(column: 0, int: 1)
        #expect(throws: ParquetError.self) { try writer.endRow() }
        try writer.append(column: 0, int: 1)
        do {
            try writer.append(column: 0, int: 2)
            Issue.record("duplicate accepted")
        } catch let error as ParquetError {
            #expect(error.kind == .duplicateValue && error.column == "id")
        }
        do {
            try writer.append(column: 9, int: 2)
            Issue.record("bad column index accepted")
        } catch let error as ParquetError {
            #expect(error.kind == .noSuchColumn)
        }
        try writer.appendRow(good(5))
        #expect(writer.rowCount == 1)
        let reader = try ParquetReader(bytes: try writer.close().bytes)
        #expect(try reader.readColumns()[0] == [.int(5)])
    }

    @Test func invalidSchemasAreRejected() {
        #expect(throws: ParquetError.self) {
            _ = try ParquetWriter(schema: ParquetSchema([ParquetColumn(name: "d", type: .decimal(precision: 39, scale: 0), nullable: true)]),
                                  output: ParquetMemoryOutput())
        }
        #expect(throws: ParquetError.self) {
            _ = try ParquetWriter(schema: ParquetSchema([ParquetColumn(name: "a", type: .int32, nullable: true),
                                                         ParquetColumn(name: "a", type: .int64, nullable: true)]),
                                  output: ParquetMemoryOutput())
        }
    }

    @Test func closedWriterRejectsAppends() throws {
        let writer = try ParquetWriter(schema: schema, output: ParquetMemoryOutput())
        _ = try writer.close()
        #expect(throws: ParquetError.self) { try writer.appendRow(good(1)) }
    }

    @Test func corruptFilesAreErrorsNotCrashes() throws {
        var bytes = try ParquetTestFiles.writeMemory(schema, (0..<50).map(good))
        #expect(throws: ParquetError.self) { _ = try ParquetReader(bytes: Array(bytes.prefix(20))) }
        #expect(throws: ParquetError.self) { _ = try ParquetReader(bytes: [UInt8]("PAR1PAR1xxPAR1".utf8)) }
        var random = SplitMix64(seed: 1)
        for _ in 0..<200 {
            let index = Int.random(in: 4..<(bytes.count - 8), using: &random)
            let saved = bytes[index]
            bytes[index] ^= UInt8.random(in: 1...255, using: &random)
            // Either an error or some values; never a crash.
            _ = try? ParquetReader(bytes: bytes).readColumns()
            bytes[index] = saved
        }
    }
}
