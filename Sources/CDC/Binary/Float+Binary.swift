// float4send/float8send: the IEEE 754 bit pattern in network byte order, so
// NaN and ±Infinity arrive (and are kept) exactly.

extension Float {
    @inline(__always)
    init(postgresBinary bytes: UnsafeRawBufferPointer) throws(CopyBinaryError) {
        self.init(bitPattern: try UInt32(postgresBinary: bytes, type: "real"))
    }
}

extension Double {
    @inline(__always)
    init(postgresBinary bytes: UnsafeRawBufferPointer) throws(CopyBinaryError) {
        self.init(bitPattern: try UInt64(postgresBinary: bytes, type: "double precision"))
    }
}
