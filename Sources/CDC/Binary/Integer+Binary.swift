// int2send/int4send/int8send, oidsend and xid8send: the value in network byte order.

extension FixedWidthInteger {
    /// Decodes a big-endian integer field of exactly `Self`'s width.
    @inline(__always)
    init(postgresBinary bytes: UnsafeRawBufferPointer, type: StaticString) throws(CopyBinaryError) {
        guard bytes.count == MemoryLayout<Self>.size else {
            throw .fieldLength(type, expected: MemoryLayout<Self>.size, got: bytes.count)
        }
        self = bytes.loadBigEndian(at: 0, as: Self.self)
    }
}

extension Int64 {
    /// `xid8` is unsigned 64-bit; bronze stores it as int64, which holds any
    /// realistic value (epoch << 32 | xid).
    @inline(__always)
    init(postgresXid8 bytes: UnsafeRawBufferPointer) throws(CopyBinaryError) {
        let value = try UInt64(postgresBinary: bytes, type: "xid8")
        guard let exact = Int64(exactly: value) else {
            throw CopyBinaryError(.overflow, "xid8 value \(value) exceeds the int64 range of the bronze column")
        }
        self = exact
    }
}
