/// PLAIN encoding of value slices, appended to a page buffer.
enum PlainEncoder {
    static func appendBooleans(_ values: UnsafeBufferPointer<Bool>, into out: inout [UInt8]) {
        var byte: UInt8 = 0
        var bit = 0
        for value in values {
            if value { byte |= 1 << UInt8(bit) }
            bit += 1
            if bit == 8 {
                out.append(byte)
                byte = 0
                bit = 0
            }
        }
        if bit > 0 { out.append(byte) }
    }

    /// Little-endian fixed-width values are their in-memory representation.
    static func appendRaw<T>(_ values: UnsafeBufferPointer<T>, into out: inout [UInt8]) {
        out.append(contentsOf: UnsafeRawBufferPointer(values))
    }

    /// FIXED_LEN_BYTE_ARRAY decimals: big-endian two's complement, `width` bytes.
    static func appendBigEndian(_ values: UnsafeBufferPointer<Int128>, width: Int, into out: inout [UInt8]) {
        appendZeroedBytes(&out, count: values.count * width) { raw in
            var position = 0
            for value in values {
                let bigEndian = value.bigEndian
                withUnsafeBytes(of: bigEndian) { bytes in
                    for i in (16 - width)..<16 {
                        raw[position] = bytes[i]
                        position += 1
                    }
                }
            }
        }
    }

    static func bigEndianBytes(_ value: Int128, width: Int) -> [UInt8] {
        withUnsafeBytes(of: value.bigEndian) { Array($0[(16 - width)..<16]) }
    }

    /// BYTE_ARRAY: 4-byte little-endian length, then the bytes; FIXED_LEN_BYTE_ARRAY: just the bytes.
    static func appendByteArrays(_ values: ByteSlices, _ range: Range<Int>, into out: inout [UInt8]) {
        guard values.offsets != nil else {
            let start = range.lowerBound * values.stride
            out.append(contentsOf: UnsafeRawBufferPointer(start: values.base + start, count: range.count * values.stride))
            return
        }
        let total = values.byteCount(range) + 4 * range.count
        appendZeroedBytes(&out, count: total) { raw in
            var position = 0
            for i in range {
                let value = values[i]
                raw.storeBytes(of: UInt32(value.count).littleEndian, toByteOffset: position, as: UInt32.self)
                position += 4
                if value.count > 0 {
                    (raw.baseAddress! + position).copyMemory(from: value.baseAddress!, byteCount: value.count)
                    position += value.count
                }
            }
        }
    }
}
