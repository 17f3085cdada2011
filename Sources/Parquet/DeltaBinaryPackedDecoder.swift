/// Decodes DELTA_BINARY_PACKED values (INT32 pages decode the same way, then truncate).
struct DeltaBinaryPackedDecoder {
    private let bytes: UnsafeRawBufferPointer
    private var position = 0

    init(bytes: UnsafeRawBufferPointer) {
        self.bytes = bytes
    }

    private static func corrupt() -> ParquetError {
        ParquetError(.corruptFile, "invalid DELTA_BINARY_PACKED data")
    }

    private mutating func uleb() throws -> UInt64 {
        guard let value = ULEB128.read(bytes, at: &position) else { throw Self.corrupt() }
        return value
    }

    private mutating func zigzag() throws -> UInt64 {
        let raw = try uleb()
        return (raw >> 1) ^ (0 &- (raw & 1))
    }

    /// Appends exactly `count` values (wrapping 64-bit arithmetic) to `out`.
    mutating func decode(count: Int, into out: inout [Int64]) throws {
        let blockSize = Int(try uleb())
        let miniblocks = Int(try uleb())
        let total = Int(try uleb())
        var value = try zigzag()
        guard blockSize > 0, blockSize % 128 == 0, miniblocks > 0, blockSize % miniblocks == 0,
              (blockSize / miniblocks) % 32 == 0, total >= count else { throw Self.corrupt() }
        guard count > 0 else { return }
        let miniblockSize = blockSize / miniblocks
        out.append(Int64(bitPattern: value))
        var remaining = count - 1
        while remaining > 0 {
            let minDelta = try zigzag()
            guard position + miniblocks <= bytes.count else { throw Self.corrupt() }
            let widthsAt = position
            position += miniblocks
            for m in 0..<miniblocks where remaining > 0 {
                let width = Int(bytes[widthsAt + m])
                guard width <= 64, position + miniblockSize * width / 8 <= bytes.count else { throw Self.corrupt() }
                let take = min(remaining, miniblockSize)
                var bit = position * 8
                for _ in 0..<take {
                    var packed: UInt64 = 0
                    var got = 0
                    while got < width {
                        let byte = UInt64(bytes[bit >> 3]) >> UInt64(bit & 7)
                        let available = min(8 - (bit & 7), width - got)
                        packed |= (byte & ((1 << UInt64(available)) - 1)) << UInt64(got)
                        got += available
                        bit += available
                    }
                    value = value &+ minDelta &+ packed
                    out.append(Int64(bitPattern: value))
                }
                position += miniblockSize * width / 8
                remaining -= take
            }
        }
    }
}
