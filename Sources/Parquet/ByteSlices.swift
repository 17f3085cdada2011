#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A view of variable-length (offsets) or fixed-length (stride) values packed in one byte buffer.
struct ByteSlices {
    let base: UnsafeRawPointer
    let offsets: UnsafePointer<Int>?
    let stride: Int
    let count: Int

    @inline(__always)
    subscript(_ index: Int) -> UnsafeRawBufferPointer {
        if let offsets {
            let start = offsets[index]
            return UnsafeRawBufferPointer(start: base + start, count: offsets[index + 1] - start)
        }
        return UnsafeRawBufferPointer(start: base + index * stride, count: stride)
    }

    /// Total bytes of values `range` (without length prefixes).
    func byteCount(_ range: Range<Int>) -> Int {
        if let offsets { return offsets[range.upperBound] - offsets[range.lowerBound] }
        return range.count * stride
    }

    /// Calls `body` with a view of packed bytes and offsets (`offsets` starts at 0; `count + 1` entries).
    static func with<R>(bytes: [UInt8], offsets: [Int]?, stride: Int, count: Int, _ body: (ByteSlices) throws -> R) rethrows -> R {
        try bytes.withUnsafeBytes { raw in
            // An empty array may have no base address; any non-null pointer works when nothing is read.
            let base = raw.baseAddress ?? UnsafeRawPointer(bitPattern: 1)!
            if let offsets {
                return try offsets.withUnsafeBufferPointer { offsets in
                    try body(ByteSlices(base: base, offsets: offsets.baseAddress!, stride: 0, count: count))
                }
            }
            return try body(ByteSlices(base: base, offsets: nil, stride: stride, count: count))
        }
    }

    /// Unsigned lexicographic order, as Parquet specifies for BYTE_ARRAY, UUID and strings.
    @inline(__always)
    static func less(_ a: UnsafeRawBufferPointer, _ b: UnsafeRawBufferPointer) -> Bool {
        let common = min(a.count, b.count)
        if common > 0 {
            let order = memcmp(a.baseAddress!, b.baseAddress!, common)
            if order != 0 { return order < 0 }
        }
        return a.count < b.count
    }

    @inline(__always)
    static func equal(_ a: UnsafeRawBufferPointer, _ b: UnsafeRawBufferPointer) -> Bool {
        a.count == b.count && (a.count == 0 || memcmp(a.baseAddress!, b.baseAddress!, a.count) == 0)
    }
}
