@testable import CDC
import Parquet
import Testing

@Suite struct TemporalBinaryTests {
    static func date(_ daysSince2000: Int32) throws -> ParquetValue {
        try decodeField(SendBytes.be(daysSince2000), as: .date)
    }

    static func timestamp(_ microsSince2000: Int64, _ type: PostgresType = .timestamp) throws -> ParquetValue {
        try decodeField(SendBytes.be(microsSince2000), as: type)
    }

    @Test func dates() throws {
        #expect(try Self.date(0) == .int(10_957)) // 2000-01-01
        #expect(try Self.date(-10_957) == .int(0)) // 1970-01-01
        #expect(try Self.date(-10_958) == .int(-1)) // 1969-12-31
        #expect(try Self.date(-36_466) == .int(-25_509)) // 1900-02-28
        #expect(try Self.date(2_921_939) == .int(2_932_896)) // 9999-12-31
    }

    /// ±infinity as DuckDB stores them, ±(2^31−1) days, not a clamped finite date.
    @Test func infiniteDates() throws {
        #expect(try Self.date(.max) == .int(2_147_483_647))
        #expect(try Self.date(.min) == .int(-2_147_483_647))
        // The last date PostgreSQL accepts (5874897-12-31) stays finite.
        #expect(try Self.date(2_145_031_948) == .int(2_145_042_905))
    }

    @Test func timestamps() throws {
        for type in [PostgresType.timestamp, .timestamptz] {
            #expect(try Self.timestamp(0, type) == .int(946_684_800_000_000))
            #expect(try Self.timestamp(-946_684_800_000_000, type) == .int(0))
            #expect(try Self.timestamp(-946_684_800_000_001, type) == .int(-1)) // 1969-12-31 23:59:59.999999
            #expect(try Self.timestamp(-3_150_619_199_500_000, type) == .int(-2_203_934_399_500_000)) // 1900-02-28 12:00:00.5
            #expect(try Self.timestamp(252_455_615_999_999_999, type) == .int(253_402_300_799_999_999)) // 9999-12-31T23:59:59.999999
        }
    }

    /// ±infinity as DuckDB stores them, ±(2^63−1) µs, not a clamped finite timestamp.
    @Test func infiniteTimestamps() throws {
        #expect(try Self.timestamp(.max) == .int(9_223_372_036_854_775_807))
        #expect(try Self.timestamp(.min, .timestamptz) == .int(-9_223_372_036_854_775_807))
    }

    /// PostgreSQL accepts timestamps up to 294276-12-31; from 294247-01-10 04:00:54.775807
    /// on they do not fit once shifted to 1970 (the capture keeps them in `_overflow`).
    @Test func timestampsPastTheShiftedRangeOverflow() {
        #expect((#expect(throws: CopyBinaryError.self) { try Self.timestamp(.max - 1) })?.kind == .overflow)
        #expect((#expect(throws: CopyBinaryError.self) { try Self.timestamp(.max - 946_684_800_000_000) })?.kind == .overflow)
        #expect((try? Self.timestamp(.max - 946_684_800_000_001)) == .int(.max - 1))
        #expect(throws: CopyBinaryError.self) { try decodeField([0, 0, 0, 0], as: .timestamp) }
    }
}
