@testable import CDC
import Parquet
import Testing

@Suite struct NumericBinaryTests {
    /// The numeric_out text of numeric_send bytes.
    static func text(_ bytes: [UInt8]) throws -> String {
        try bytes.withUnsafeBytes { try PostgresNumeric(postgresBinary: $0).text }
    }

    static let zero = SendBytes.numeric(weight: 0, dscale: 0, digits: [])
    static let oneFifty = SendBytes.numeric(weight: 0, dscale: 2, digits: [1, 5000])
    static let negative = SendBytes.numeric(weight: 2, sign: 0x4000, dscale: 4, digits: [1, 2345, 6789, 123])
    static let tenPow30 = SendBytes.numeric(weight: 7, dscale: 0, digits: [100])
    static let oneTenThousandth = SendBytes.numeric(weight: -1, dscale: 4, digits: [1])
    static let nan = SendBytes.numeric(weight: 0, sign: 0xC000, dscale: 0, digits: [])
    static let infinity = SendBytes.numeric(weight: 0, sign: 0xD000, dscale: 0, digits: [])
    static let minusInfinity = SendBytes.numeric(weight: 0, sign: 0xF000, dscale: 0, digits: [])

    @Test func canonicalText() throws {
        #expect(try Self.text(Self.zero) == "0")
        #expect(try Self.text(SendBytes.numeric(weight: 0, dscale: 2, digits: [])) == "0.00")
        #expect(try Self.text(Self.oneFifty) == "1.50")
        #expect(try Self.text(Self.negative) == "-123456789.0123")
        #expect(try Self.text(Self.tenPow30) == "1000000000000000000000000000000")
        #expect(try Self.text(Self.oneTenThousandth) == "0.0001")
        #expect(try Self.text(SendBytes.numeric(weight: -2, dscale: 5, digits: [1000])) == "0.00001")
        #expect(try Self.text(SendBytes.numeric(weight: -6, dscale: 21, digits: [1000])) == "0.000000000000000000001")
        #expect(try Self.text(SendBytes.numeric(weight: 1, dscale: 0, digits: [1])) == "10000")
        #expect(try Self.text(SendBytes.numeric(weight: 0, dscale: 4, digits: [9999, 9999])) == "9999.9999")
        #expect(try Self.text(Self.nan) == "NaN")
        #expect(try Self.text(Self.infinity) == "Infinity")
        #expect(try Self.text(Self.minusInfinity) == "-Infinity")
    }

    @Test func unscaledAtColumnScale() throws {
        #expect(try Self.unscaled(Self.zero, 10, 2) == 0)
        #expect(try Self.unscaled(Self.oneFifty, 12, 2) == 150)
        #expect(try Self.unscaled(Self.oneFifty, 12, 1) == 15)
        #expect(try Self.unscaled(Self.oneFifty, 12, 7) == 15_000_000) // dscale below the column scale: exact
        #expect(try Self.unscaled(Self.negative, 20, 4) == -1_234_567_890_123)
        #expect(try Self.unscaled(Self.negative, 20, 6) == -123_456_789_012_300)
        #expect(try Self.unscaled(Self.tenPow30, 31, 0) == Int128(10).power(30))
        #expect(try Self.unscaled(Self.tenPow30, 38, 7) == Int128(10).power(37))
        #expect(try Self.unscaled(Self.oneTenThousandth, 10, 4) == 1)
        #expect(try Self.unscaled(Self.oneTenThousandth, 38, 38) == Int128(10).power(34))
        let max38 = SendBytes.numeric(weight: 9, dscale: 0, digits: [99] + Array(repeating: 9999, count: 9))
        #expect(try Self.unscaled(max38, 38, 0) == Int128(10).power(38) - 1)
    }

    @Test func precisionOverflowIsAClearError() {
        let error = #expect(throws: CopyBinaryError.self) { try Self.unscaled(Self.tenPow30, 30, 0) }
        #expect(error?.kind == .overflow)
        #expect(error?.message.contains("numeric 1000000000000000000000000000000 does not fit decimal(30,0)") == true)
        // Overflowing Int128 itself (40 digits) is the same error, not a trap.
        let max38 = SendBytes.numeric(weight: 9, dscale: 0, digits: [99] + Array(repeating: 9999, count: 9))
        #expect((#expect(throws: CopyBinaryError.self) { try Self.unscaled(max38, 38, 2) })?.kind == .overflow)
        #expect((#expect(throws: CopyBinaryError.self) { try Self.unscaled(Self.negative, 12, 4) })?.kind == .overflow)
    }

    @Test func fractionDigitsBeyondScaleAreAnError() {
        let error = #expect(throws: CopyBinaryError.self) { try Self.unscaled(Self.negative, 20, 3) }
        #expect(error?.message.contains("more than 3 fractional digits") == true)
        #expect(throws: CopyBinaryError.self) { try Self.unscaled(Self.oneFifty, 12, 0) }
        #expect(throws: CopyBinaryError.self) { try Self.unscaled(SendBytes.numeric(weight: -3, dscale: 12, digits: [1]), 38, 4) }
    }

    @Test func specialValuesCannotBeDecimals() {
        for special in [Self.nan, Self.infinity, Self.minusInfinity] {
            let error = #expect(throws: CopyBinaryError.self) { try Self.unscaled(special, 38, 2) }
            #expect(error?.kind == .overflow)
            #expect(error?.message.contains("unconstrained numeric") == true)
        }
    }

    @Test func malformedNumericIsRejected() {
        #expect(throws: CopyBinaryError.self) { try Self.text([0, 0, 0, 0]) }
        #expect(throws: CopyBinaryError.self) { try Self.text(SendBytes.numeric(weight: 0, dscale: 0, digits: [10_000])) }
        #expect(throws: CopyBinaryError.self) { try Self.text(SendBytes.numeric(weight: 0, sign: 0x1234, dscale: 0, digits: [])) }
        #expect(throws: CopyBinaryError.self) { try Self.text(SendBytes.numeric(weight: 0, dscale: 0, digits: [1]) + [0]) }
    }

    @Test func decoderMapsNumericColumns() throws {
        let decimal = PostgresType.numeric(NumericTypmod(precision: 13, scale: 4))
        #expect(try decodeField(Self.negative, as: decimal) == .decimal(-1_234_567_890_123))
        #expect(try decodeField(Self.negative, as: .numeric(nil)) == .string("-123456789.0123"))
        #expect(try decodeField(Self.nan, as: .numeric(nil)) == .string("NaN"))
        #expect(try decodeField(nil, as: decimal) == .null)
        let error = #expect(throws: CopyBinaryError.self) {
            try decodeValues(SendBytes.copyStream([[Self.tenPow30]]), types: [decimal], names: ["amount"])
        }
        #expect(error?.column == "amount")
        #expect(error?.description.contains("column \"amount\"") == true)
        #expect(error?.description.contains("numeric(13,4)") == true)
    }

    static func unscaled(_ bytes: [UInt8], _ precision: Int, _ scale: Int) throws -> Int128 {
        try bytes.withUnsafeBytes { try PostgresNumeric(postgresBinary: $0).unscaled(precision: precision, scale: scale) }
    }
}

private extension Int128 {
    func power(_ exponent: Int) -> Int128 { (0 ..< exponent).reduce(1) { result, _ in result * self } }
}
