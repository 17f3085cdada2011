import Testing
@testable import Parquet

@Suite struct GrowableBufferTests {
    @Test func appendsThroughGrowthAndKeepsValuesAfterRemovals() {
        var buffer = GrowableBuffer<Int64>()
        defer { buffer.release() }
        for i in 0..<10_000 { buffer.append(Int64(i) * 3) }
        #expect(buffer.count == 10_000)
        #expect(buffer[9_999] == 29_997)
        #expect(buffer.removeLast() == 29_997)
        buffer.removeLast(99)
        #expect(buffer.withUnsafeBufferPointer { Array($0) } == (0..<9_900).map { Int64($0) * 3 })
        buffer.removeAll()
        #expect(buffer.count == 0)
        buffer.append(7)
        #expect(buffer.withUnsafeBufferPointer { Array($0) } == [7])
    }

    @Test func appendsByteRuns() {
        var buffer = GrowableBuffer<UInt8>()
        defer { buffer.release() }
        var expected: [UInt8] = []
        for length in [0, 1, 63, 64, 65, 1000, 5] {
            let run = (0..<length).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ length) }
            run.withUnsafeBytes { buffer.append(contentsOf: $0) }
            expected += run
        }
        #expect(buffer.withUnsafeBufferPointer { Array($0) } == expected)
        #expect(GrowableBuffer<UInt8>().withUnsafeBufferPointer { $0.isEmpty })
    }
}
