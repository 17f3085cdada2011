/// Unsigned LEB128 varints, as Parquet's encodings and Thrift's compact protocol write them.
enum ULEB128 {
    /// The varint at `position` in `bytes`, with `position` moved past it; `nil` when the
    /// bytes end first or it runs past 64 bits.
    static func read<Bytes: RandomAccessCollection<UInt8>>(_ bytes: Bytes, at position: inout Int) -> UInt64?
    where Bytes.Index == Int {
        var result: UInt64 = 0
        var shift: UInt64 = 0
        while position < bytes.endIndex, shift < 64 {
            let byte = bytes[position]
            position += 1
            result |= UInt64(byte & 0x7F) << shift
            if byte & 0x80 == 0 { return result }
            shift += 7
        }
        return nil
    }
}
