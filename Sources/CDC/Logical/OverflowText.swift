/// The PostgreSQL text (as `::text` prints it under `TextSettings`) of a binary value, for
/// `_overflow` in logical capture, where no `::text` form comes with the row. Only the
/// types whose legal values can overflow their bronze column: NaN in a `numeric(p,s)`,
/// a numeric past its column's precision, timestamps after 294247-01-10, an `xid8`
/// past int64.
enum OverflowText {
    /// Whether values of `type` can be given their text here.
    static func supports(_ type: PostgresType) -> Bool {
        switch type {
        case .numeric, .timestamp, .timestamptz, .xid8, .int8: true
        default: false
        }
    }

    /// The text of `bytes` (a value of `type` in its binary send format), or nil when the
    /// type is not supported or the bytes are not a valid value of it.
    static func text(_ bytes: [UInt8], type: PostgresType) -> String? {
        bytes.withUnsafeBytes { raw -> String? in
            switch type {
            case .numeric:
                return try? PostgresNumeric(postgresBinary: raw).text
            case .timestamp, .timestamptz:
                guard let micros = try? Int64(postgresBinary: raw, type: "timestamp") else { return nil }
                return PostgresTimestamp.text(postgresMicros: micros, withZone: type == .timestamptz)
            case .xid8:
                return (try? UInt64(postgresBinary: raw, type: "xid8")).map { String($0) }
            case .int8:
                return (try? Int64(postgresBinary: raw, type: "int8")).map { String($0) }
            default:
                return nil
            }
        }
    }
}
