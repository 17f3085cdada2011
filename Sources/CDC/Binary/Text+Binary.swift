// textsend (text, varchar, bpchar, name, json and anything cast ::text): the
// bytes in the client encoding, which the capture connection sets to UTF8.
// jsonb_send: a version byte (1) then the JSON text. charsend: one raw byte.

/// The text-shaped send formats that are not passed through unchanged.
enum PostgresText {
    /// The JSON text of a `jsonb` field, after checking its version byte.
    @inline(__always)
    static func jsonbText(_ bytes: UnsafeRawBufferPointer) throws(CopyBinaryError) -> UnsafeRawBufferPointer {
        guard let version = bytes.first else {
            throw CopyBinaryError(.invalidField, "an empty jsonb field has no version byte")
        }
        guard version == 1 else {
            throw CopyBinaryError(.invalidField, "jsonb binary format version \(version) is not supported (only 1); select the column as ::text")
        }
        return UnsafeRawBufferPointer(rebasing: bytes[1...])
    }

    /// Calls `body` with the text of a `"char"` field, as charout prints it:
    /// the byte itself, "" for \0, and `\ooo` octal for bytes ≥ 0x80 (which
    /// would not be valid UTF-8 on their own).
    @inline(__always)
    static func withCharText<R>(
        _ bytes: UnsafeRawBufferPointer,
        _ body: (UnsafeRawBufferPointer) throws -> R
    ) throws -> R {
        guard bytes.count == 1 else { throw CopyBinaryError.fieldLength("\"char\"", expected: 1, got: bytes.count) }
        let byte = bytes[0]
        if byte == 0 { return try body(UnsafeRawBufferPointer(rebasing: bytes[0 ..< 0])) }
        if byte < 0x80 { return try body(bytes) }
        var octal: (UInt8, UInt8, UInt8, UInt8) = (
            UInt8(ascii: "\\"), UInt8(ascii: "0") + (byte >> 6), UInt8(ascii: "0") + ((byte >> 3) & 7), UInt8(ascii: "0") + (byte & 7)
        )
        return try withUnsafeBytes(of: &octal) { try body($0) }
    }
}
