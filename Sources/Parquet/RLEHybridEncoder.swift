/// The RLE / bit-packing hybrid encoding (definition levels, dictionary indices).
///
/// Runs of 8 or more equal values become RLE runs; everything else is bit-packed in
/// groups of 8, consecutive groups sharing one header (at most 63 groups per header).
/// Output is appended to a caller-provided buffer.
struct RLEHybridEncoder {
    let bitWidth: Int
    private var buffered: (UInt32, UInt32, UInt32, UInt32, UInt32, UInt32, UInt32, UInt32) = (0, 0, 0, 0, 0, 0, 0, 0)
    private var bufferedCount = 0
    private var previous: UInt32 = 0
    private var repeatCount = 0
    private var bitPackedGroups = 0
    private var bitPackedHeaderIndex = -1

    init(bitWidth: Int) {
        precondition(bitWidth >= 0 && bitWidth <= 32)
        self.bitWidth = bitWidth
    }

    @inline(__always)
    mutating func put(_ value: UInt32, into out: inout [UInt8]) {
        if value == previous {
            repeatCount += 1
            if repeatCount >= 8 { return }  // extends an RLE run; nothing to buffer
        } else {
            if repeatCount >= 8 { writeRLERun(into: &out) }
            repeatCount = 1
            previous = value
        }
        withUnsafeMutableBytes(of: &buffered) { $0.storeBytes(of: value, toByteOffset: bufferedCount * 4, as: UInt32.self) }
        bufferedCount += 1
        if bufferedCount == 8 { writeBitPackedGroup(into: &out) }
    }

    /// Appends `count` copies of `value`.
    mutating func put(_ value: UInt32, repeated count: Int, into out: inout [UInt8]) {
        var remaining = count
        // Fill up to an RLE run through the normal path, then extend the run in O(1).
        while remaining > 0 && (value != previous || repeatCount < 8) {
            put(value, into: &out)
            remaining -= 1
        }
        repeatCount += remaining
    }

    mutating func finish(into out: inout [UInt8]) {
        if repeatCount >= 8 {
            writeRLERun(into: &out)
        } else if bufferedCount > 0 {
            while bufferedCount < 8 {
                withUnsafeMutableBytes(of: &buffered) { $0.storeBytes(of: 0, toByteOffset: bufferedCount * 4, as: UInt32.self) }
                bufferedCount += 1
            }
            writeBitPackedGroup(into: &out)
            endBitPackedRun(into: &out)
        } else {
            endBitPackedRun(into: &out)
        }
        repeatCount = 0
        bufferedCount = 0
        previous = 0
    }

    private mutating func writeBitPackedGroup(into out: inout [UInt8]) {
        if bitPackedGroups >= 63 { endBitPackedRun(into: &out) }
        if bitPackedHeaderIndex < 0 {
            bitPackedHeaderIndex = out.count
            out.append(0)
        }
        var accumulator: UInt64 = 0
        var bits = 0
        withUnsafeBytes(of: &buffered) { values in
            for i in 0..<8 {
                accumulator |= UInt64(values.load(fromByteOffset: i * 4, as: UInt32.self)) << UInt64(bits)
                bits += bitWidth
                while bits >= 8 {
                    out.append(UInt8(truncatingIfNeeded: accumulator))
                    accumulator >>= 8
                    bits -= 8
                }
            }
        }
        bufferedCount = 0
        repeatCount = 0
        bitPackedGroups += 1
    }

    private mutating func endBitPackedRun(into out: inout [UInt8]) {
        guard bitPackedHeaderIndex >= 0 else { return }
        out[bitPackedHeaderIndex] = UInt8(bitPackedGroups << 1 | 1)
        bitPackedHeaderIndex = -1
        bitPackedGroups = 0
    }

    private mutating func writeRLERun(into out: inout [UInt8]) {
        endBitPackedRun(into: &out)
        var header = UInt64(repeatCount) << 1
        while header >= 0x80 {
            out.append(UInt8(truncatingIfNeeded: header) | 0x80)
            header >>= 7
        }
        out.append(UInt8(header))
        var value = previous
        for _ in 0..<((bitWidth + 7) / 8) {
            out.append(UInt8(truncatingIfNeeded: value))
            value >>= 8
        }
        repeatCount = 0
        bufferedCount = 0
    }
}
