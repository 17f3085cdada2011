// boolsend: one byte, 1 for true and 0 for false.

extension Bool {
    @inline(__always)
    init(postgresBinary bytes: UnsafeRawBufferPointer) throws(CopyBinaryError) {
        guard bytes.count == 1 else { throw .fieldLength("boolean", expected: 1, got: bytes.count) }
        self = bytes[0] != 0 // boolrecv also reads any non-zero byte as true
    }
}
