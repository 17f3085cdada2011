/// The logical type of a column as the writer accepts it and the reader reports it.
///
/// Each case maps to one Parquet physical type plus a logical type annotation
/// (and the legacy converted type where one exists).
public enum ParquetType: Sendable, Hashable {
    case boolean, int8, int16, int32, int64, float, double
    /// UTF-8 text (validated on write).
    case string
    /// UTF-8 JSON text (validated as UTF-8, not parsed).
    case json
    /// Arbitrary bytes.
    case bytes
    /// Days since 1970-01-01, as `Int32`.
    case date
    /// Microseconds since 1970-01-01T00:00:00, as `Int64`; `utc` sets `isAdjustedToUTC`.
    case timestamp(utc: Bool)
    /// An unscaled `Int128`; stored as INT32 for precision <= 9, INT64 for <= 18, else FIXED_LEN_BYTE_ARRAY.
    case decimal(precision: Int, scale: Int)
    /// 16 raw bytes.
    case uuid
}

/// One column of a flat schema.
public struct ParquetColumn: Sendable, Hashable {
    public var name: String
    public var type: ParquetType
    public var nullable: Bool

    public init(name: String, type: ParquetType, nullable: Bool) {
        self.name = name
        self.type = type
        self.nullable = nullable
    }
}

/// A flat schema: an ordered list of columns.
public struct ParquetSchema: Sendable, Hashable {
    public var columns: [ParquetColumn]

    public init(_ columns: [ParquetColumn]) {
        self.columns = columns
    }
}
