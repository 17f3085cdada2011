import Testing
@testable import Parquet
import TestSupport

@Suite struct RLEHybridTests {
    private func encode(_ values: [UInt32], bitWidth: Int) -> [UInt8] {
        var out: [UInt8] = []
        var encoder = RLEHybridEncoder(bitWidth: bitWidth)
        for value in values { encoder.put(value, into: &out) }
        encoder.finish(into: &out)
        return out
    }

    private func decode(_ bytes: [UInt8], count: Int, bitWidth: Int) throws -> [UInt32] {
        var out: [UInt32] = []
        try bytes.withUnsafeBytes { raw in
            var decoder = RLEHybridDecoder(bytes: raw, bitWidth: bitWidth)
            try decoder.decode(count: count, into: &out)
        }
        return out
    }

    /// The format spec's bit-packing example: 0...7 at bit width 3 packs to 10001000 11000110 11111010.
    @Test func specBitPackingExample() throws {
        let bytes = encode(Array(0...7), bitWidth: 3)
        #expect(bytes == [0x03, 0x88, 0xC6, 0xFA])  // header: 1 group of 8, bit-packed flag
        #expect(try decode(bytes, count: 8, bitWidth: 3) == Array(0...7))
    }

    @Test func repeatedValuesBecomeAnRLERun() throws {
        let bytes = encode(Array(repeating: 4, count: 100), bitWidth: 3)
        #expect(bytes == [0xC8, 0x01, 0x04])  // varint(100 << 1), value in one byte
        #expect(try decode(bytes, count: 100, bitWidth: 3) == Array(repeating: 4, count: 100))
    }

    @Test func rleRunThenPaddedBitPackedGroup() throws {
        let values: [UInt32] = Array(repeating: 1, count: 10) + [0, 1, 0]
        let bytes = encode(values, bitWidth: 1)
        #expect(bytes == [0x14, 0x01, 0x03, 0x02])
        #expect(try decode(bytes, count: values.count, bitWidth: 1) == values)
    }

    @Test func wideRLEValuesUseLittleEndianBytes() {
        #expect(encode(Array(repeating: 0x0102_0304, count: 8), bitWidth: 32) == [0x10, 0x04, 0x03, 0x02, 0x01])
        #expect(encode(Array(repeating: 300, count: 9), bitWidth: 9) == [0x12, 0x2C, 0x01])
    }

    @Test func longBitPackedRunsSplitAfter63Groups() throws {
        let values = (0..<(64 * 8)).map { UInt32($0 % 2) }
        let bytes = encode(values, bitWidth: 1)
        #expect(bytes[0] == 63 << 1 | 1)
        #expect(bytes[64] == 1 << 1 | 1)
        #expect(try decode(bytes, count: values.count, bitWidth: 1) == values)
    }

    @Test func randomSequencesRoundTripAtEveryBitWidth() throws {
        var random = SplitMix64(seed: 42)
        for bitWidth in 1...32 {
            for _ in 0..<5 {
                let count = Int.random(in: 0..<600, using: &random)
                let maxValue = bitWidth == 32 ? UInt32.max : UInt32((1 << bitWidth) - 1)
                var values: [UInt32] = []
                while values.count < count {
                    let value = UInt32.random(in: 0...maxValue, using: &random)
                    let run = Bool.random(using: &random) ? Int.random(in: 1..<40, using: &random) : 1
                    values.append(contentsOf: repeatElement(value, count: min(run, count - values.count)))
                }
                let bytes = encode(values, bitWidth: bitWidth)
                #expect(try decode(bytes, count: values.count, bitWidth: bitWidth) == values, "bit width \(bitWidth)")
            }
        }
    }

    @Test func definitionLevelsArePrefixedWithTheirLength() {
        var out: [UInt8] = []
        let levels: [UInt8] = Array(repeating: 1, count: 5)
        levels.withUnsafeBufferPointer { ColumnChunkWriter.appendDefinitionLevels($0, present: 5, into: &out) }
        #expect(out == [2, 0, 0, 0, 0x0A, 0x01])
    }
}
