/// One tuple of a binary COPY stream, borrowed from the parser's input.
///
/// Non-copyable and handed out as `borrowing`: its bytes are valid only for the
/// duration of the `onTuple` callback. The parser has already checked that
/// every field length lies within `bytes`.
struct CopyBinaryTuple: ~Copyable {
    let fieldCount: Int
    /// The fields region: per field an int32 length (-1 = NULL) then the bytes.
    let bytes: UnsafeRawBufferPointer

    init(fieldCount: Int, bytes: UnsafeRawBufferPointer) {
        self.fieldCount = fieldCount
        self.bytes = bytes
    }

    /// A sequential cursor over the fields; call `next()` exactly `fieldCount` times.
    var fields: Fields { Fields(bytes: bytes) }

    struct Fields {
        let bytes: UnsafeRawBufferPointer
        var offset = 0

        /// The next field's bytes, or `nil` for SQL NULL.
        @inline(__always)
        mutating func next() -> UnsafeRawBufferPointer? {
            precondition(offset + 4 <= bytes.count, "read past the tuple's last field")
            let length = Int(bytes.loadBigEndian(at: offset, as: Int32.self))
            offset += 4
            guard length >= 0 else { return nil }
            defer { offset += length }
            return UnsafeRawBufferPointer(rebasing: bytes[offset ..< offset + length])
        }
    }

    /// A copy of every field (`nil` = NULL); for tests and diagnostics, not the hot path.
    func copiedFields() -> [[UInt8]?] {
        var cursor = fields
        return (0 ..< fieldCount).map { _ in cursor.next().map { Array($0) } }
    }
}
