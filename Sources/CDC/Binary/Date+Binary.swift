// date_send: int32 days since 2000-01-01, with INT32_MAX / INT32_MIN for
// 'infinity' / '-infinity'.

/// Conversion of `date` fields to Parquet DATE (days since 1970-01-01).
enum PostgresDate {
    /// Days from 1970-01-01 to 2000-01-01, PostgreSQL's date epoch.
    static let epochOffsetDays: Int64 = 10_957
    /// What `'infinity'` becomes: 2^31−1 days, as DuckDB stores it.
    static let infinityDays = Int64(Int32.max)
    /// What `'-infinity'` becomes: −(2^31−1) days.
    static let minusInfinityDays = -Int64(Int32.max)

    /// Days since 1970-01-01, ±infinity as ±(2^31−1). Finite dates (4713 BC ...
    /// 5874897 AD) all fit in int32 and never reach those two values.
    @inline(__always)
    static func daysSince1970(_ bytes: UnsafeRawBufferPointer) throws(CopyBinaryError) -> Int64 {
        let days = try Int32(postgresBinary: bytes, type: "date")
        switch days {
        case .max: return infinityDays
        case .min: return minusInfinityDays
        default: return Int64(days) + epochOffsetDays
        }
    }
}
