@testable import CDC
import Testing
import TestSupport

@Suite struct CopyBinaryParserTests {
    static let rows: [[[UInt8]?]] = [
        [[1, 2, 3], nil, []],
        [nil, nil, nil],
        [Array(repeating: 7, count: 300), [0xFF], SendBytes.text("é")],
    ]

    @Test func parsesHeaderTuplesAndTrailer() throws {
        #expect(try parseFields(SendBytes.copyStream(Self.rows)) == Self.rows)
        #expect(try parseFields(SendBytes.copyStream([])) == [])
    }

    @Test func skipsHeaderExtension() throws {
        let stream = SendBytes.copyStream(Self.rows, headerExtension: [9, 9, 9, 9, 9])
        #expect(try parseFields(stream, expectedFieldCount: 3) == Self.rows)
    }

    @Test func everySplitPointGivesTheSameTuples() throws {
        let stream = SendBytes.copyStream(Self.rows, headerExtension: [1, 2])
        for split in 0 ... stream.count {
            #expect(try parseFields(stream, pieces: [split]) == Self.rows, "split at \(split)")
        }
    }

    @Test func byteByByteAndRandomChunks() throws {
        let stream = SendBytes.copyStream(Self.rows)
        #expect(try parseFields(stream, pieces: Array(repeating: 1, count: stream.count)) == Self.rows)
        var generator = SplitMix64(seed: 42)
        for _ in 0 ..< 200 {
            var pieces: [Int] = []
            var total = 0
            while total < stream.count {
                let size = Int(generator.next() % 40) // 0-byte chunks included
                pieces.append(size)
                total += size
            }
            #expect(try parseFields(stream, pieces: pieces) == Self.rows)
        }
    }

    @Test func postgresFixtureSplitAnywhere() throws {
        let stream = PostgresFixtures.types
        let whole = try parseFields(stream)
        #expect(whole.count == 4)
        for split in stride(from: 0, through: stream.count, by: 7) {
            #expect(try parseFields(stream, pieces: [split, 13]) == whole)
        }
    }

    @Test func zeroCopyForWholeTuples() throws {
        let stream = SendBytes.copyStream([[[1, 2]]])
        try stream.withUnsafeBytes { bytes in
            var parser = CopyBinaryParser()
            try parser.feed(bytes) { tuple in
                #expect(tuple.bytes.baseAddress == bytes.baseAddress! + 21) // 19-byte header + int16 count
            }
            try parser.finish()
            #expect(parser.tupleCount == 1)
        }
    }

    @Test func rejectsTextFormat() {
        let error = #expect(throws: CopyBinaryError.self) { try parseFields(SendBytes.text("1\tabc\n")) }
        #expect(error?.kind == .badSignature)
        #expect(error?.description.contains("FORMAT binary") == true)
    }

    @Test func rejectsOIDsFlag() {
        var stream = SendBytes.copyStream([])
        stream[13] = 1 // flags bit 16
        #expect((#expect(throws: CopyBinaryError.self) { try parseFields(stream) })?.kind == .unsupportedHeader)
    }

    @Test func fieldCountMismatchNamesBothCounts() {
        let error = #expect(throws: CopyBinaryError.self) {
            try parseFields(SendBytes.copyStream([[[1], [2]]]), expectedFieldCount: 3)
        }
        #expect(error?.kind == .fieldCount)
        #expect(error?.message.contains("tuple 1 has 2 fields but 3 columns were selected") == true)
    }

    @Test func truncatedStreamFailsInFinish() {
        let stream = SendBytes.copyStream(Self.rows)
        for cut in [0, 5, 19, 25, stream.count - 2, stream.count - 1] {
            let error = #expect(throws: CopyBinaryError.self) { try parseFields(Array(stream[..<cut])) }
            #expect(error?.kind == .truncated, "cut at \(cut)")
        }
    }

    @Test func dataAfterTrailerIsRejected() {
        let error = #expect(throws: CopyBinaryError.self) { try parseFields(SendBytes.copyStream([]) + [0]) }
        #expect(error?.kind == .trailingData)
    }

    @Test func invalidFieldLengthIsRejected() {
        var stream = SendBytes.copyStream([[[1]]])
        stream.replaceSubrange(21 ..< 25, with: SendBytes.be(Int32(-2)))
        #expect((#expect(throws: CopyBinaryError.self) { try parseFields(stream) })?.kind == .invalidField)
    }
}
