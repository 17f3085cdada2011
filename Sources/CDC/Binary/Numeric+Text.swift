// The canonical text of a numeric, byte for byte what numeric_out prints:
// optional '-', the integer digits (at least "0"), then '.' and exactly
// dscale fractional digits; "NaN", "Infinity", "-Infinity" for the specials.

extension PostgresNumeric {
    /// The UTF-8 length of `text`.
    var textLength: Int {
        switch sign {
        case .nan: return 3
        case .infinity: return 8
        case .minusInfinity: return 9
        case .positive, .negative: break
        }
        var length = sign == .negative ? 1 : 0
        if weight < 0 {
            length += 1
        } else {
            let first = digit(0)
            length += 4 * weight + (first >= 1000 ? 4 : first >= 100 ? 3 : first >= 10 ? 2 : 1)
        }
        if displayScale > 0 { length += 1 + displayScale }
        return length
    }

    /// Writes the text into `buffer` (at least `textLength` bytes) and returns its length.
    func writeText(into buffer: UnsafeMutableRawBufferPointer) -> Int {
        var cursor = 0
        func put(_ byte: UInt8) {
            buffer[cursor] = byte
            cursor += 1
        }
        func put(_ literal: StaticString) {
            literal.withUTF8Buffer { for byte in $0 { put(byte) } }
        }
        switch sign {
        case .nan: put("NaN"); return cursor
        case .infinity: put("Infinity"); return cursor
        case .minusInfinity: put("-Infinity"); return cursor
        case .negative: put(UInt8(ascii: "-"))
        case .positive: break
        }
        let zero = UInt8(ascii: "0")
        var index = 0
        if weight < 0 {
            put(zero)
            index = weight + 1 // the fraction starts with the (virtual) digits before digit 0
        } else {
            while index <= weight {
                let group = digit(index)
                // The first group drops its leading zeros but keeps at least one digit.
                var divisor = 1000
                while divisor >= 1 {
                    let decimalDigit = (group / divisor) % 10
                    if index > 0 || divisor == 1 || group >= divisor {
                        put(zero + UInt8(decimalDigit))
                    }
                    divisor /= 10
                }
                index += 1
            }
        }
        if displayScale > 0 {
            put(UInt8(ascii: "."))
            var written = 0
            while written < displayScale {
                let group = digit(index)
                var divisor = 1000
                while divisor >= 1, written < displayScale {
                    put(zero + UInt8((group / divisor) % 10))
                    written += 1
                    divisor /= 10
                }
                index += 1
            }
        }
        return cursor
    }

    /// Calls `body` with the text's UTF-8 bytes, built in temporary (usually stack) memory.
    func withText<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        try withUnsafeTemporaryAllocation(byteCount: textLength, alignment: 1) { buffer in
            let count = writeText(into: buffer)
            return try body(UnsafeRawBufferPointer(rebasing: buffer[..<count]))
        }
    }

    /// The text as a `String` (for `values` and messages).
    var text: String {
        String(unsafeUninitializedCapacity: textLength) { buffer in
            writeText(into: UnsafeMutableRawBufferPointer(buffer))
        }
    }
}
