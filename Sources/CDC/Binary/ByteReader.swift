/// A forward-only cursor over borrowed bytes, reading PostgreSQL's
/// network-order (big-endian) integers.
///
/// It never copies: `readBytes` returns a slice of the same memory, valid as
/// long as the buffer it was made from.
struct ByteReader {
    let bytes: UnsafeRawBufferPointer
    private(set) var offset: Int = 0

    init(_ bytes: UnsafeRawBufferPointer) {
        self.bytes = bytes
    }

    var remaining: Int { bytes.count - offset }
    var isAtEnd: Bool { offset == bytes.count }

    /// Reads a big-endian integer; `what` names it in the error.
    @inline(__always)
    mutating func read<T: FixedWidthInteger>(_: T.Type, _ what: StaticString) throws(CopyBinaryError) -> T {
        let size = MemoryLayout<T>.size
        guard remaining >= size else {
            throw .truncated(what, needed: size, available: remaining)
        }
        let value = bytes.loadUnaligned(fromByteOffset: offset, as: T.self)
        offset += size
        return T(bigEndian: value)
    }

    /// Returns the next `count` bytes without copying them.
    @inline(__always)
    mutating func readBytes(_ count: Int, _ what: StaticString) throws(CopyBinaryError) -> UnsafeRawBufferPointer {
        guard count >= 0, remaining >= count else {
            throw .truncated(what, needed: count, available: remaining)
        }
        let slice = UnsafeRawBufferPointer(rebasing: bytes[offset ..< offset + count])
        offset += count
        return slice
    }

    mutating func skip(_ count: Int, _ what: StaticString) throws(CopyBinaryError) {
        _ = try readBytes(count, what)
    }
}

extension UnsafeRawBufferPointer {
    /// Big-endian integer at `offset`; the caller has checked the bounds.
    @inline(__always)
    func loadBigEndian<T: FixedWidthInteger>(at offset: Int, as: T.Type) -> T {
        T(bigEndian: loadUnaligned(fromByteOffset: offset, as: T.self))
    }
}
