import Parquet

/// A column type as the capture path sees it: either a type whose binary send
/// format is decoded here, or `.unsupported`, which is selected as `::text`
/// (its text form arrives as UTF-8) — a column is never dropped.
///
/// Domains should be resolved to their base type by the catalog query before
/// building this; an unresolved domain OID is simply `.unsupported` (text).
enum PostgresType: Sendable, Hashable {
    case bool
    case int2, int4, int8
    case float4, float8
    /// `nil` typmod: unconstrained `numeric`, stored as its exact decimal text.
    case numeric(NumericTypmod?)
    case text, varchar, bpchar, name
    /// The one-byte `"char"` type.
    case char
    case bytea
    case date
    case timestamp, timestamptz
    case uuid
    case json, jsonb
    case xid8, oid
    /// Any other type (time, interval, arrays, enums, ranges, inet, ...), selected as `::text`.
    case unsupported(oid: UInt32)

    /// Maps a catalog `(atttypid, atttypmod)` pair.
    init(oid: UInt32, typmod: Int32) {
        switch oid {
        case 16: self = .bool
        case 17: self = .bytea
        case 18: self = .char
        case 19: self = .name
        case 20: self = .int8
        case 21: self = .int2
        case 23: self = .int4
        case 25: self = .text
        case 26: self = .oid
        case 114: self = .json
        case 700: self = .float4
        case 701: self = .float8
        case 1042: self = .bpchar
        case 1043: self = .varchar
        case 1082: self = .date
        case 1114: self = .timestamp
        case 1184: self = .timestamptz
        case 1700: self = .numeric(NumericTypmod(typmod: typmod))
        case 2950: self = .uuid
        case 3802: self = .jsonb
        case 5069: self = .xid8
        default: self = .unsupported(oid: oid)
        }
    }

    /// The built-in type OID.
    var oid: UInt32 {
        switch self {
        case .bool: 16
        case .bytea: 17
        case .char: 18
        case .name: 19
        case .int8: 20
        case .int2: 21
        case .int4: 23
        case .text: 25
        case .oid: 26
        case .json: 114
        case .float4: 700
        case .float8: 701
        case .bpchar: 1042
        case .varchar: 1043
        case .date: 1082
        case .timestamp: 1114
        case .timestamptz: 1184
        case .numeric: 1700
        case .uuid: 2950
        case .jsonb: 3802
        case .xid8: 5069
        case .unsupported(let oid): oid
        }
    }

    /// For error messages.
    var displayName: String {
        switch self {
        case .bool: "boolean"
        case .int2: "smallint"
        case .int4: "integer"
        case .int8: "bigint"
        case .float4: "real"
        case .float8: "double precision"
        case .numeric(let typmod?): "numeric(\(typmod.precision),\(typmod.scale))"
        case .numeric(nil): "numeric"
        case .text: "text"
        case .varchar: "character varying"
        case .bpchar: "character"
        case .name: "name"
        case .char: "\"char\""
        case .bytea: "bytea"
        case .date: "date"
        case .timestamp: "timestamp without time zone"
        case .timestamptz: "timestamp with time zone"
        case .uuid: "uuid"
        case .json: "json"
        case .jsonb: "jsonb"
        case .xid8: "xid8"
        case .oid: "oid"
        case .unsupported(let oid): "type \(oid) (as text)"
        }
    }

    var isUnsupported: Bool {
        if case .unsupported = self { return true }
        return false
    }

    /// The bronze column's Parquet type.
    var parquetType: ParquetType {
        switch self {
        case .bool: .boolean
        case .int2: .int16
        case .int4: .int32
        case .int8, .xid8, .oid: .int64
        case .float4: .float
        case .float8: .double
        case .numeric(let typmod):
            if let decimal = typmod?.decimal {
                .decimal(precision: decimal.precision, scale: decimal.scale)
            } else {
                .string // exact decimal text; NaN/Infinity kept too
            }
        case .text, .varchar, .bpchar, .name, .char, .unsupported: .string
        case .bytea: .bytes
        case .date: .date
        case .timestamp: .timestamp(utc: false)
        case .timestamptz: .timestamp(utc: true)
        case .uuid: .uuid
        case .json, .jsonb: .json
        }
    }

}
