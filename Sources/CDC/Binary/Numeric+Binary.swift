// numeric_send: int16 ndigits, int16 weight, int16 sign, int16 dscale, then
// ndigits int16 base-10000 digits, most significant first. The value is
// Σ digits[i] · 10000^(weight − i); dscale is the number of decimal digits
// shown after the point. sign: 0x0000 +, 0x4000 −, 0xC000 NaN, 0xD000 +Inf, 0xF000 −Inf.

/// A borrowed, validated view of one `numeric` field.
struct PostgresNumeric {
    enum Sign: Sendable, Equatable {
        case positive, negative, nan, infinity, minusInfinity
    }

    let sign: Sign
    let weight: Int
    let displayScale: Int
    let digitCount: Int
    /// `digitCount` big-endian int16 digits.
    private let digits: UnsafeRawBufferPointer

    init(postgresBinary bytes: UnsafeRawBufferPointer) throws(CopyBinaryError) {
        var reader = ByteReader(bytes)
        let ndigits = Int(try reader.read(Int16.self, "the numeric header"))
        weight = Int(try reader.read(Int16.self, "the numeric header"))
        let rawSign = try reader.read(UInt16.self, "the numeric header")
        let dscale = Int(try reader.read(Int16.self, "the numeric header"))
        switch rawSign {
        case 0x0000: sign = .positive
        case 0x4000: sign = .negative
        case 0xC000: sign = .nan
        case 0xD000: sign = .infinity
        case 0xF000: sign = .minusInfinity
        default: throw CopyBinaryError(.invalidField, "numeric has an invalid sign word 0x\(String(rawSign, radix: 16))")
        }
        guard ndigits >= 0, dscale >= 0 else {
            throw CopyBinaryError(.invalidField, "numeric has a negative digit count (\(ndigits)) or display scale (\(dscale))")
        }
        guard reader.remaining == ndigits * 2 else {
            throw CopyBinaryError(.invalidField, "numeric declares \(ndigits) digits (\(ndigits * 2) bytes) but carries \(reader.remaining) bytes")
        }
        digits = try reader.readBytes(ndigits * 2, "numeric digits")
        digitCount = ndigits
        displayScale = dscale
        for index in 0 ..< ndigits where digit(index) > 9999 {
            throw CopyBinaryError(.invalidField, "numeric digit \(digit(index)) is not a base-10000 digit")
        }
    }

    var isSpecial: Bool { sign == .nan || sign == .infinity || sign == .minusInfinity }

    /// The base-10000 digit `index` (0 = most significant); 0 outside the stored digits.
    @inline(__always)
    func digit(_ index: Int) -> Int {
        guard index >= 0, index < digitCount else { return 0 }
        return Int(digits.loadBigEndian(at: index * 2, as: Int16.self))
    }

    // MARK: Decimal

    /// The exact value · 10^`scale` as an integer, checked to have at most
    /// `precision` digits (the Parquet decimal(precision, scale) column).
    ///
    /// Throws for NaN/±Infinity, for non-zero digits beyond `scale`, and when the
    /// value does not fit `precision` — all mean the source column no longer has
    /// the typmod the bronze schema was built from.
    func unscaled(precision: Int, scale: Int) throws(CopyBinaryError) -> Int128 {
        precondition(scale >= 0, "decimal scale must be >= 0")
        guard !isSpecial else {
            throw CopyBinaryError(.overflow, "numeric \(text) cannot be stored in decimal(\(precision),\(scale)); only an unconstrained numeric column (stored as text) keeps NaN and Infinity")
        }
        // Up to 18 digits fit an Int64, whose arithmetic is much cheaper than Int128's.
        let magnitude: Int128? = precision <= 18
            ? try accumulate(Int64.self, scale: scale).map { Int128($0) }
            : try accumulate(Int128.self, scale: scale)
        guard let magnitude, precision <= 38, magnitude < Self.int128PowersOfTen[precision] else {
            throw CopyBinaryError(.overflow, "numeric \(text) does not fit decimal(\(precision),\(scale)) (at most \(precision) digits at scale \(scale)); the source column's precision may have changed — refresh the table's schema")
        }
        return sign == .negative ? -magnitude : magnitude
    }

    /// |value| · 10^`scale` as an integer of type `T`, or nil when it overflows `T`.
    @inline(__always)
    private func accumulate<T: FixedWidthInteger & SignedInteger>(_: T.Type, scale: Int) throws(CopyBinaryError) -> T? {
        // Group exponent holding the 10^-scale digit: scale 0 → 0, 1...4 → -1, 5...8 → -2.
        let lowestGroup = -((scale + 3) / 4)
        // Decimal digits of the lowest group that fall below 10^-scale (0...3).
        let excess = -4 * lowestGroup - scale
        var accumulator: T = 0
        var exponent = max(weight, lowestGroup)
        while exponent >= lowestGroup {
            var group = T(digit(weight - exponent))
            var factor: T = 10_000
            if exponent == lowestGroup, excess > 0 {
                let divisor = T(Self.powersOfTen[excess])
                guard group % divisor == 0 else { throw tooManyFractionDigits(scale) }
                group /= divisor
                factor = T(Self.powersOfTen[4 - excess])
            }
            let (shifted, overflowMultiply) = accumulator.multipliedReportingOverflow(by: factor)
            let (sum, overflowAdd) = shifted.addingReportingOverflow(group)
            if overflowMultiply || overflowAdd { return nil }
            accumulator = sum
            exponent -= 1
        }
        // Any stored digit below the lowest group must be zero.
        let firstDropped = max(0, weight - lowestGroup + 1)
        if firstDropped < digitCount {
            for index in firstDropped ..< digitCount where digit(index) != 0 {
                throw tooManyFractionDigits(scale)
            }
        }
        return accumulator
    }

    private func tooManyFractionDigits(_ scale: Int) -> CopyBinaryError {
        CopyBinaryError(.overflow, "numeric \(text) has more than \(scale) fractional digits, more than the bronze decimal's scale; the source column's scale may have changed — refresh the table's schema")
    }

    private static let powersOfTen = [1, 10, 100, 1000, 10_000]
    private static let int128PowersOfTen: [Int128] = {
        var powers: [Int128] = [1]
        for _ in 1 ... 38 { powers.append(powers.last! * 10) }
        return powers
    }()
}
