// timestamp_send/timestamptz_send: int64 microseconds since 2000-01-01 00:00:00
// (UTC for timestamptz), with INT64_MAX / INT64_MIN for 'infinity' / '-infinity'.

/// Conversion of `timestamp`/`timestamptz` fields to Parquet TIMESTAMP(MICROS).
enum PostgresTimestamp {
    /// Microseconds from 1970-01-01 to 2000-01-01, PostgreSQL's timestamp epoch.
    static let epochOffsetMicros: Int64 = 946_684_800_000_000
    /// What `'infinity'` becomes: 2^63−1 µs, as DuckDB stores it.
    static let infinityMicros: Int64 = .max
    /// What `'-infinity'` becomes: −(2^63−1) µs, as DuckDB stores it.
    static let minusInfinityMicros: Int64 = -.max

    /// Microseconds since 1970-01-01, ±infinity as ±(2^63−1). The last ~29 years of
    /// PostgreSQL's range (after 294247-01-10) do not fit once shifted to 1970: they throw
    /// `.overflow`, and the capture stores them as text in `_overflow`.
    @inline(__always)
    static func microsSince1970(_ bytes: UnsafeRawBufferPointer, type: StaticString) throws(CopyBinaryError) -> Int64 {
        let micros = try Int64(postgresBinary: bytes, type: type)
        switch micros {
        case .max: return infinityMicros
        case .min: return minusInfinityMicros
        default:
            let (shifted, overflow) = micros.addingReportingOverflow(epochOffsetMicros)
            guard !overflow, shifted != infinityMicros else {
                throw CopyBinaryError(.overflow, "\(type) value \(micros) µs since 2000 does not fit a 64-bit microsecond count since 1970")
            }
            return shifted
        }
    }
}
