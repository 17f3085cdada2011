// timestamp_send/timestamptz_send: int64 microseconds since 2000-01-01 00:00:00
// (UTC for timestamptz), with INT64_MAX / INT64_MIN for 'infinity' / '-infinity'.

/// Conversion of `timestamp`/`timestamptz` fields to Parquet TIMESTAMP(MICROS).
enum PostgresTimestamp {
    /// Microseconds from 1970-01-01 to 2000-01-01, PostgreSQL's timestamp epoch.
    static let epochOffsetMicros: Int64 = 946_684_800_000_000
    /// 9999-12-31T23:59:59.999999: what `'infinity'` becomes.
    static let infinityMicros: Int64 = 253_402_300_799_999_999
    /// 0001-01-01T00:00:00: what `'-infinity'` becomes.
    static let minusInfinityMicros: Int64 = -62_135_596_800_000_000

    /// Microseconds since 1970-01-01. ±infinity is clamped to the extreme
    /// timestamps of years 0001...9999 because Parquet has no infinite timestamp;
    /// finite values (4713 BC ... 294276 AD) are kept as they are.
    @inline(__always)
    static func microsSince1970(_ bytes: UnsafeRawBufferPointer, type: StaticString) throws(CopyBinaryError) -> Int64 {
        let micros = try Int64(postgresBinary: bytes, type: type)
        switch micros {
        case .max: return infinityMicros
        case .min: return minusInfinityMicros
        default:
            let (shifted, overflow) = micros.addingReportingOverflow(epochOffsetMicros)
            guard !overflow else {
                throw CopyBinaryError(.overflow, "\(type) value \(micros) µs since 2000 is outside PostgreSQL's range")
            }
            return shifted
        }
    }
}
