@testable import CDC
import Testing

/// The text logical capture gives a value for `_overflow` must be PostgreSQL's `::text`
/// under `TextSettings` (the integration tests compare it with PostgreSQL's own).
@Suite struct OverflowTextTests {
    static let day: Int64 = 86_400_000_000

    static func timestamp(_ micros: Int64, zone: Bool = false) -> String? {
        OverflowText.text(SendBytes.be(micros), type: zone ? .timestamptz : .timestamp)
    }

    @Test func timestamps() {
        #expect(Self.timestamp(0) == "2000-01-01 00:00:00")
        #expect(Self.timestamp(0, zone: true) == "2000-01-01 00:00:00+00")
        #expect(Self.timestamp(-1) == "1999-12-31 23:59:59.999999")
        #expect(Self.timestamp(1_500_000) == "2000-01-01 00:00:01.5")
        #expect(Self.timestamp(59 * Self.day) == "2000-02-29 00:00:00")
        #expect(Self.timestamp(60 * Self.day + 3_723_000_010) == "2000-03-01 01:02:03.00001")
        #expect(Self.timestamp(-10_957 * Self.day) == "1970-01-01 00:00:00")
        #expect(Self.timestamp(-36_466 * Self.day) == "1900-02-28 00:00:00")
        #expect(Self.timestamp(2_921_939 * Self.day) == "9999-12-31 00:00:00")
        #expect(Self.timestamp(2_921_940 * Self.day) == "10000-01-01 00:00:00")
        #expect(Self.timestamp(-730_119 * Self.day) == "0001-01-01 00:00:00")
        #expect(Self.timestamp(-730_120 * Self.day, zone: true) == "0001-12-31 00:00:00+00 BC")
        #expect(Self.timestamp(.max) == "infinity")
        #expect(Self.timestamp(.min, zone: true) == "-infinity")
    }

    @Test func numbersAndUnsupportedTypes() {
        #expect(OverflowText.text(SendBytes.numeric(weight: 0, sign: 0xC000, dscale: 0, digits: []), type: .numeric(nil)) == "NaN")
        #expect(OverflowText.text(SendBytes.numeric(weight: 0, dscale: 2, digits: [12, 3400]), type: .numeric(nil)) == "12.34")
        #expect(OverflowText.text(SendBytes.be(UInt64.max), type: .xid8) == "18446744073709551615")
        #expect(OverflowText.text(SendBytes.be(Int64(-5)), type: .int8) == "-5")
        #expect(OverflowText.text([1, 2], type: .timestamp) == nil, "not a timestamp's 8 bytes")
        #expect(OverflowText.text(Array("x".utf8), type: .text) == nil)
        #expect(!OverflowText.supports(.text) && OverflowText.supports(.timestamptz))
    }
}
