@testable import CDC
import Testing

@Suite struct ByteReaderTests {
    @Test func readsBigEndianIntegersAndSlices() throws {
        let bytes: [UInt8] = [0x12, 0x34, 0xFF, 0xFF, 0xFF, 0xFE, 0xAA, 0xBB]
        let (a, b, c, atEnd) = try bytes.withUnsafeBytes { buffer throws in
            var reader = ByteReader(buffer)
            return (try reader.read(UInt16.self, "a"), try reader.read(Int32.self, "b"), Array(try reader.readBytes(2, "c")), reader.isAtEnd)
        }
        #expect(a == 0x1234)
        #expect(b == -2)
        #expect(c == [0xAA, 0xBB])
        #expect(atEnd)
    }

    @Test func shortReadThrowsTruncated() {
        [UInt8]([1, 2, 3]).withUnsafeBytes { buffer in
            var reader = ByteReader(buffer)
            let error = #expect(throws: CopyBinaryError.self) { _ = try reader.read(Int32.self, "the length") }
            #expect(error?.kind == .truncated)
            #expect(error?.message.contains("the length needs 4 bytes but only 3 remain") == true)
            #expect(throws: CopyBinaryError.self) { _ = try reader.readBytes(4, "x") }
            #expect(reader.offset == 0)
        }
    }
}
