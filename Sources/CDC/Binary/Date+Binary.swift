// date_send: int32 days since 2000-01-01, with INT32_MAX / INT32_MIN for
// 'infinity' / '-infinity'.

/// Conversion of `date` fields to Parquet DATE (days since 1970-01-01).
enum PostgresDate {
    /// Days from 1970-01-01 to 2000-01-01, PostgreSQL's date epoch.
    static let epochOffsetDays: Int64 = 10_957
    /// 9999-12-31: what `'infinity'` becomes, the largest date most readers accept.
    static let infinityDays: Int64 = 2_932_896
    /// 0001-01-01: what `'-infinity'` becomes.
    static let minusInfinityDays: Int64 = -719_162

    /// Days since 1970-01-01. ±infinity is clamped to 9999-12-31 / 0001-01-01
    /// because Parquet has no infinite date; finite dates (4713 BC ... 5874897 AD)
    /// are kept as they are and all fit in int32.
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
