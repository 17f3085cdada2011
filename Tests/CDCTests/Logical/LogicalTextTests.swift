import Testing
@testable import CDC

/// The text `LogicalText` prints is PostgreSQL's (the integration test compares it with the
/// server's for each type); these pin the rules: per-part signs, plural units, trimmed
/// fractions, hours past 24, and zones east positive.
struct LogicalTextTests {
    static func bytes(_ values: [(Int64, Int)]) -> [UInt8] {
        values.flatMap { value, count in (0..<count).reversed().map { UInt8(truncatingIfNeeded: value >> (8 * $0)) } }
    }

    @Test("interval: each part its own sign, + after a negative part, singular units, trimmed fraction")
    func interval() {
        let cases: [((Int64, Int32, Int32), String)] = [
            ((0, 0, 0), "00:00:00"),
            ((14_706_500_000, 3, 14), "1 year 2 mons 3 days 04:05:06.5"),
            ((-14_706_000_001, 3, -14), "-1 years -2 mons +3 days -04:05:06.000001"),
            ((0, -1, 2), "2 mons -1 days"),
            ((90_000_000_000, -1, 2), "2 mons -1 days +25:00:00"),
            ((3_600_000_000_000_000, 0, 0), "1000000:00:00"),
            ((-500_000, 0, 0), "-00:00:00.5"),
            ((0, 1, 12), "1 year 1 day"),
        ]
        for ((micros, days, months), text) in cases {
            #expect(LogicalText.interval(micros: micros, days: days, months: months) == text)
            let binary = Self.bytes([(micros, 8), (Int64(days), 4), (Int64(months), 4)])
            #expect(LogicalText.interval.text(binary).map { String(decoding: $0, as: UTF8.self) } == text)
        }
    }

    @Test("time and timetz: two-digit fields, 24:00:00, zone offsets to the second")
    func times() {
        func time(_ micros: Int64) -> String? {
            LogicalText.time.text(Self.bytes([(micros, 8)])).map { String(decoding: $0, as: UTF8.self) }
        }
        func zoned(_ micros: Int64, _ west: Int64) -> String? {
            LogicalText.timeWithZone.text(Self.bytes([(micros, 8), (west, 4)])).map { String(decoding: $0, as: UTF8.self) }
        }
        #expect(time(0) == "00:00:00")
        #expect(time(86_400_000_000) == "24:00:00")
        #expect(time(45_296_070_000) == "12:34:56.07")
        #expect(time(1) == "00:00:00.000001")
        #expect(zoned(43_200_000_000, -19_800) == "12:00:00+05:30")
        #expect(zoned(0, 0) == "00:00:00+00")
        #expect(zoned(36_000_500_000, 1) == "10:00:00.5-00:00:01")
        #expect(zoned(3_723_000_004, -53_999) == "01:02:03.000004+14:59:59")
        #expect(time(5) == "00:00:00.000005")
        #expect(LogicalText.time.text([1, 2, 3]) == nil, "a value of the wrong size is refused")
    }
}
