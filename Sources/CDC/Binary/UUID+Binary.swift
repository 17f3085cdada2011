// uuid_send: the 16 bytes in RFC 4122 order, passed through unchanged.

/// Validation of `uuid` fields; the bytes themselves go to Parquet as they are.
enum PostgresUUID {
    static let byteCount = 16

    @inline(__always)
    static func validate(_ bytes: UnsafeRawBufferPointer) throws(CopyBinaryError) {
        guard bytes.count == byteCount else {
            throw .fieldLength("uuid", expected: byteCount, got: bytes.count)
        }
    }

    /// The canonical `8-4-4-4-12` lowercase text, as uuid_out prints it (for messages and tests).
    static func text(_ bytes: some Collection<UInt8>) -> String {
        var text = ""
        for (index, byte) in bytes.enumerated() {
            if index == 4 || index == 6 || index == 8 || index == 10 { text += "-" }
            let hex = String(byte, radix: 16)
            text += hex.count == 1 ? "0" + hex : hex
        }
        return text
    }
}
