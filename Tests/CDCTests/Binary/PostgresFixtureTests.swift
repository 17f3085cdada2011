@testable import CDC
import Parquet
import Testing

/// Decodes streams produced by a real PostgreSQL 15 (see `PostgresFixtures`) and
/// compares with what the server printed in text for the same SELECT.
@Suite struct PostgresFixtureTests {
    /// Catalog `(atttypid, atttypmod)` of the fixture columns; typmods read from pg_attribute.
    static let typesColumns: [PostgresType] = [
        (16, -1), (21, -1), (23, -1), (20, -1), (700, -1), (701, -1), (1700, 786_438), (1700, -1),
        (25, -1), (1043, 14), (1042, 9), (19, -1), (18, -1), (17, -1),
        (1082, -1), (1114, -1), (1184, -1), (2950, -1), (114, -1), (3802, -1), (5069, -1), (26, -1),
        (1083, -1), (1186, -1), (1007, -1), (869, -1), // time, interval, int4[], inet: selected ::text
    ].map { PostgresType(oid: $0.0, typmod: $0.1) }

    @Test func everyTypeMatchesPostgresText() throws {
        let rows = try decodeValues(PostgresFixtures.types, types: Self.typesColumns).map { $0.map(\.nanAsText) }
        let uuid: [UInt8] = [0xA0, 0xEE, 0xBC, 0x99, 0x9C, 0x0B, 0x4E, 0xF8, 0xBB, 0x6D, 0x6B, 0xB9, 0xBD, 0x38, 0x0A, 0x11]
        let expected: [[ParquetValue]] = [
            [.bool(true), .int(1), .int(2), .int(3), .float(1.5), .double(2.25), .decimal(150), .string("1.50"),
             .string("héllo ✓"), .string("varchar"), .string("ab   "), .string("pg_class"), .string("x"), .bytes([0x00, 0xFF, 0x10]),
             .int(19_782), .int(1_709_212_455_123_456), .int(1_709_205_255_123_456), .bytes(uuid),
             .string(#"{"a": [1, 2.5, "x"]}"#), .string(#"{"a": "ü", "b": 1}"#), .int(123_456_789_012), .int(4_294_967_295),
             .string("13:14:15.5"), .string("1 year 2 mons 3 days 04:05:06"), .string("{1,NULL,3}"), .string("192.168.0.1/24")],
            [.bool(false), .int(-32768), .int(-2_147_483_648), .int(.min), .string("float NaN"), .double(-.infinity),
             .decimal(-12_345_678_901), .string("-123456789.0123"),
             .string(""), .string(""), .string(""), .string(""), .string(#"\200"#), .bytes([]),
             .int(-1), .int(-14_182_939_999_999), .int(-2_208_988_800_000_000), .bytes(Array(repeating: 0, count: 16)),
             .string("null"), .string("[]"), .int(0), .int(0),
             .string("00:00:00"), .string("-1 days"), .string("{}"), .string("::1/128")],
            [.bool(true), .int(32767), .int(2_147_483_647), .int(.max), .float(.infinity), .string("double NaN"),
             .decimal(999_999_999_999), .string("NaN"),
             .string("line1\ntab\tx"), .string("δ"), .string("abcde"), .string(""), .string(""), .bytes([0xDE, 0xAD, 0xBE, 0xEF]),
             .int(2_147_483_647), .int(9_223_372_036_854_775_807), .int(-9_223_372_036_854_775_807), .bytes(Array(repeating: 0xFF, count: 16)),
             .string(#""str""#), .string(#"{"n": null}"#), .int(.max), .int(1),
             .string("23:59:59.999999"), .string("00:00:00"), .string(#"{"a b",c}"#), .string("10.0.0.0/8")],
            Array(repeating: .null, count: 26),
        ]
        #expect(rows.count == expected.count)
        for (index, (row, want)) in zip(rows, expected).enumerated() {
            for column in row.indices where row[column] != want[column] {
                Issue.record("row \(index + 1) column \(column + 1): got \(row[column]), want \(want[column])")
            }
        }
    }

    /// `COPY (numeric.sql) TO STDOUT` output, verbatim.
    static let numericText = """
        0\t0\t0.0000\t0\t0.00000\t0.00
        1.50\t1000000000000000000000000000000\t0.0001\t1234500\t0.00123\t1.50
        -123456789.0123\t-99999999999999999999999999999999999999\t-0.0001\t-9999900\t-0.00999\t-1234567890123456789012345678901234567.89
        0.0001\t99999999999999999999999999999999999999\t123456.7891\t100\t0.00001\t0.00
        NaN\t12345\t-999999.9999\t-100\t0.00000\t0.01
        Infinity\t1\t5.0000\t0\t0.00000\t0.00
        -Infinity\t-1\t10000.0000\t0\t0.00000\t0.00
        0.00\t10000\t0.1000\t0\t0.00000\t0.00
        1000000000000000000000000000000\t100000000\t1.0000\t0\t0.00000\t0.00
        123.456000\t0\t0.0000\t0\t0.00000\t0.00
        0.000000000000000000001\t0\t0.0000\t0\t0.00000\t0.00
        9999.9999\t0\t0.0000\t0\t0.00000\t0.00
        10000\t0\t0.0000\t0\t0.00000\t0.00
        -0.5\t0\t0.0000\t0\t0.00000\t0.00
        10000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000\t0\t0.0000\t0\t0.00000\t0.00
        12345678901234567890.12345678901234567890\t0\t0.0000\t0\t0.00000\t0.00
        100000000.000000001\t0\t0.0000\t0\t0.00000\t0.00
        \\N\t\\N\t\\N\t\\N\t\\N\t\\N
        """

    @Test func numericTextAndDecimalsMatchPostgres() throws {
        // numeric, numeric(38,0), numeric(10,4), numeric(5,-2), numeric(3,5), numeric(39,2), typmods from pg_attribute.
        let types = [-1, 2_490_372, 655_368, 329_730, 196_617, 2_555_910].map { PostgresType(oid: 1700, typmod: Int32($0)) }
        #expect(types.map(\.parquetType) == [
            .string, .decimal(precision: 38, scale: 0), .decimal(precision: 10, scale: 4),
            .decimal(precision: 7, scale: 0), .decimal(precision: 5, scale: 5), .string,
        ])
        let rows = try decodeValues(PostgresFixtures.numeric, types: types)
        let lines = Self.numericText.split(separator: "\n")
        #expect(rows.count == lines.count)
        for (row, line) in zip(rows, lines) {
            for (column, (value, text)) in zip(row, line.split(separator: "\t", omittingEmptySubsequences: false)).enumerated() {
                let want: ParquetValue = switch types[column].parquetType {
                case _ where text == "\\N": .null
                case .decimal: .decimal(Int128(String(text.filter { $0 != "." }))!)
                default: .string(String(text))
                }
                #expect(value == want, "column \(column + 1) of \(line)")
            }
        }
    }

    @Test func temporalValuesMatchPostgresEpochs() throws {
        let rows = try decodeValues(PostgresFixtures.temporal, types: [.date, .timestamp, .timestamptz])
        // d - '1970-01-01', extract(epoch from ts) * 1e6, same for tstz; ±infinity as ±(2^31−1) / ±(2^63−1).
        let expected: [[Int64]] = [
            [0, 0, 0],
            [10_957, 946_684_800_000_000, 946_684_800_000_000],
            [-1, -1, -1],
            [-25_509, -2_203_934_399_500_000, -2_203_934_399_500_000],
            [-719_162, -62_135_596_800_000_000, -62_135_596_800_000_000],
            [2_932_896, 253_402_300_799_999_999, 253_402_300_799_999_999],
            [-2_440_550, -210_863_520_000_000_000, -210_863_520_000_000_000],
            [2_147_483_647, 9_223_372_036_854_775_807, 9_223_372_036_854_775_807],
            [-2_147_483_647, -9_223_372_036_854_775_807, -9_223_372_036_854_775_807],
        ]
        #expect(rows == expected.map { $0.map(ParquetValue.int) })
    }
}

extension ParquetValue {
    /// NaN is not equal to itself; tag it so rows compare with `==`.
    var nanAsText: ParquetValue {
        switch self {
        case .float(let value) where value.isNaN: .string("float NaN")
        case .double(let value) where value.isNaN: .string("double NaN")
        default: self
        }
    }
}
