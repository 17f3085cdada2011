/// Decodes the RLE / bit-packing hybrid encoding.
struct RLEHybridDecoder {
    private let bytes: UnsafeRawBufferPointer
    private let bitWidth: Int
    private var position = 0

    init(bytes: UnsafeRawBufferPointer, bitWidth: Int) {
        self.bytes = bytes
        self.bitWidth = bitWidth
    }

    private static func corrupt() -> ParquetError {
        ParquetError(.corruptFile, "invalid RLE/bit-packed data")
    }

    private mutating func readVarint() throws -> UInt64 {
        guard let value = ULEB128.read(bytes, at: &position) else { throw Self.corrupt() }
        return value
    }

    /// Appends exactly `count` values to `out`.
    mutating func decode(count: Int, into out: inout [UInt32]) throws {
        var remaining = count
        let mask: UInt64 = bitWidth == 32 ? 0xFFFF_FFFF : (1 << UInt64(bitWidth)) - 1
        while remaining > 0 {
            let header = try readVarint()
            if header & 1 == 0 {
                let runLength = Int(min(header >> 1, 1 << 31))
                let width = (bitWidth + 7) / 8
                guard position + width <= bytes.count else { throw Self.corrupt() }
                var value: UInt32 = 0
                for i in 0..<width { value |= UInt32(bytes[position + i]) << UInt32(8 * i) }
                position += width
                let n = min(runLength, remaining)
                out.append(contentsOf: repeatElement(value, count: n))
                remaining -= n
            } else {
                let values = Int(min(header >> 1, 1 << 28)) * 8
                let byteCount = (values * bitWidth + 7) / 8
                let start = position
                // The last group of a page may be cut short; only the values we need must be present.
                let needed = (min(values, remaining) * bitWidth + 7) / 8
                guard start + needed <= bytes.count else { throw Self.corrupt() }
                var accumulator: UInt64 = 0
                var bits = 0
                var produced = 0
                while produced < values && remaining > 0 {
                    while bits < bitWidth {
                        accumulator |= UInt64(bytes[position]) << UInt64(bits)
                        position += 1
                        bits += 8
                    }
                    out.append(UInt32(truncatingIfNeeded: accumulator & mask))
                    accumulator >>= UInt64(bitWidth)
                    bits -= bitWidth
                    produced += 1
                    remaining -= 1
                }
                position = min(start + byteCount, bytes.count)
            }
        }
    }
}
