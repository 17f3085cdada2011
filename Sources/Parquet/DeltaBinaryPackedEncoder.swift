/// The DELTA_BINARY_PACKED encoding of INT32 and INT64 values.
///
/// Blocks of 128 deltas in 4 miniblocks of 32; each block stores its smallest delta, and
/// each miniblock packs `delta - minDelta` at the bit width of its largest one. Deltas wrap
/// around in the value's own width, as the readers (parquet-java, Arrow, DuckDB) expect.
enum DeltaBinaryPackedEncoder {
    static let blockSize = 128
    static let miniblocks = 4
    static let miniblockSize = 32

    /// Most bytes ``append(_:into:)`` writes for `count` values.
    static func maxEncodedBytes(count: Int) -> Int {
        let blocks = (max(count - 1, 0) + blockSize - 1) / blockSize
        return 4 * 10 + blocks * (10 + miniblocks + blockSize * 8)
    }

    static func append<T: FixedWidthInteger & SignedInteger>(_ values: UnsafeBufferPointer<T>, into out: inout [UInt8]) {
        let bound = maxEncodedBytes(count: values.count)
        let written = appendZeroedBytes(&out, count: bound) { raw in
            var writer = ByteWriter(base: raw.baseAddress!)
            encode(values, into: &writer)
            return writer.position
        }
        out.removeLast(bound - written)
    }

    private static func encode<T: FixedWidthInteger & SignedInteger>(_ values: UnsafeBufferPointer<T>, into writer: inout ByteWriter) {
        writer.uleb(UInt64(blockSize))
        writer.uleb(UInt64(miniblocks))
        writer.uleb(UInt64(values.count))
        writer.uleb(zigzag(Int64(values.first ?? 0)))
        guard values.count > 1 else { return }

        withUnsafeTemporaryAllocation(of: T.self, capacity: blockSize) { block in
            var position = 1
            var previous = values[0]
            while position < values.count {
                let count = min(blockSize, values.count - position)
                var minDelta = T.max
                for i in 0..<count {
                    let value = values[position + i]
                    let delta = value &- previous
                    previous = value
                    block[i] = delta
                    if delta < minDelta { minDelta = delta }
                }
                position += count
                writer.uleb(zigzag(Int64(minDelta)))
                let widthsAt = writer.position
                writer.skip(miniblocks)
                let used = (count + miniblockSize - 1) / miniblockSize
                for m in 0..<used {
                    let lower = m * miniblockSize
                    let upper = min(lower + miniblockSize, count)
                    var bits: UInt64 = 0
                    for i in lower..<upper {
                        bits |= UInt64(T.Magnitude(truncatingIfNeeded: block[i] &- minDelta))
                    }
                    let width = 64 - bits.leadingZeroBitCount
                    writer.set(widthsAt + m, UInt8(width))
                    guard width > 0 else { continue }
                    var accumulator: UInt64 = 0
                    var filled = 0
                    for i in lower..<(lower + miniblockSize) {
                        let packed = i < upper ? UInt64(T.Magnitude(truncatingIfNeeded: block[i] &- minDelta)) : 0
                        accumulator |= packed << UInt64(filled)
                        if filled + width >= 64 {
                            writer.word(accumulator)
                            accumulator = filled == 0 ? 0 : packed >> UInt64(64 - filled)
                            filled = filled + width - 64
                        } else {
                            filled += width
                        }
                    }
                    // 32 values of any width end on a whole byte.
                    var remaining = filled / 8
                    while remaining > 0 {
                        writer.byte(UInt8(truncatingIfNeeded: accumulator))
                        accumulator >>= 8
                        remaining -= 1
                    }
                }
            }
        }
    }

    @inline(__always)
    static func zigzag(_ value: Int64) -> UInt64 {
        UInt64(bitPattern: (value << 1) ^ (value >> 63))
    }
}

/// Writes into memory the caller sized with ``DeltaBinaryPackedEncoder/maxEncodedBytes(count:)``.
private struct ByteWriter {
    let base: UnsafeMutableRawPointer
    var position = 0

    init(base: UnsafeMutableRawPointer) {
        self.base = base
    }

    @inline(__always)
    mutating func byte(_ value: UInt8) {
        base.storeBytes(of: value, toByteOffset: position, as: UInt8.self)
        position += 1
    }

    @inline(__always)
    mutating func word(_ value: UInt64) {
        base.storeBytes(of: value.littleEndian, toByteOffset: position, as: UInt64.self)
        position += 8
    }

    @inline(__always)
    mutating func set(_ offset: Int, _ value: UInt8) {
        base.storeBytes(of: value, toByteOffset: offset, as: UInt8.self)
    }

    mutating func skip(_ count: Int) {
        position += count
    }

    @inline(__always)
    mutating func uleb(_ value: UInt64) {
        var rest = value
        while rest >= 0x80 {
            byte(UInt8(truncatingIfNeeded: rest) | 0x80)
            rest >>= 7
        }
        byte(UInt8(rest))
    }
}
