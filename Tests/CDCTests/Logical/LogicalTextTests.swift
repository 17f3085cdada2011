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

    /// array_send's layout: dimensions, a has-nulls flag, the element type, then per
    /// dimension its length and lower bound, then each element's length and bytes.
    static func array(element: UInt32, dimensions: [(Int64, Int64)], _ values: [[UInt8]?]) -> [UInt8] {
        var bytes = Self.bytes([(Int64(dimensions.count), 4), (values.contains { $0 == nil } ? 1 : 0, 4), (Int64(element), 4)])
        for (length, lower) in dimensions { bytes += Self.bytes([(length, 4), (lower, 4)]) }
        for value in values {
            guard let value else {
                bytes += Self.bytes([(-1, 4)])
                continue
            }
            bytes += Self.bytes([(Int64(value.count), 4)]) + value
        }
        return bytes
    }

    @Test("arrays: quoting as array_out does, NULL elements, nested dimensions, lower bounds, an empty array")
    func arrays() {
        let text = { (value: String) -> [UInt8]? in Array(value.utf8) }
        let tags = Self.array(element: 25, dimensions: [(8, 1)], [text("a"), nil, text("NULL"), text(""), text("a b"), text("x,y"), text("q\"u\\o"), text("ünï")])
        #expect(LogicalArrayText.text(tags, element: 25) == #"{a,NULL,"NULL","","a b","x,y","q\"u\\o",ünï}"#)
        let grid = Self.array(element: 23, dimensions: [(2, 0), (1, -3)], [Self.bytes([(7, 4)]), Self.bytes([(-8, 4)])])
        #expect(LogicalArrayText.text(grid, element: 23) == "[0:1][-3:-3]={{7},{-8}}")
        #expect(LogicalArrayText.text(Self.bytes([(0, 4), (0, 4), (23, 4)]), element: 23) == "{}")
        #expect(LogicalArrayText.text(grid, element: 20) == nil, "an element type other than the column's is refused")
        #expect(LogicalArrayText.text(Array(grid.dropLast()), element: 23) == nil, "a cut value is refused")
    }
}
