import Parquet

/// Decodes capture tuples (binary COPY of the selected columns) into bronze rows.
///
/// Column `i` of the tuple goes to sink column `firstColumn + i` with the typed
/// append matching `types[i].parquetType`. The hot path allocates nothing: text,
/// json, bytea and uuid bytes are passed straight from the COPY buffer.
package struct BronzeRowDecoder: Sendable {
    let types: [PostgresType]
    let names: [String]
    /// Per column: how its field is decoded (precomputed from `types`).
    private let plans: [FieldPlan]

    private enum FieldPlan: Sendable {
        case bool, int16, int32, int64, oid, xid8, float4, float8
        case decimal(precision: Int, scale: Int)
        case numericText
        case passthrough // text-like, json, bytea, and unsupported types selected as text
        case char, jsonb, uuid, date
        case timestamp(StaticString)
    }

    /// `names` label errors; they default to `column 1`, `column 2`, ...
    init(types: [PostgresType], names: [String]? = nil) {
        precondition(names == nil || names!.count == types.count, "one name per column")
        self.types = types
        self.names = names ?? types.indices.map { "column \($0 + 1)" }
        plans = types.map(Self.plan)
    }

    var parquetTypes: [ParquetType] { types.map(\.parquetType) }

    /// Decodes `tuple` into the sink's next row and ends the row.
    func append<Sink: BronzeRowSink>(_ tuple: borrowing CopyBinaryTuple, to sink: inout Sink) throws {
        try appendFields(tuple, to: &sink, firstColumn: 0)
        try sink.endRow()
    }

    /// Decodes `tuple` into columns `firstColumn...` of the sink's current row
    /// without ending it (for callers that append more columns of their own).
    func appendFields<Sink: BronzeRowSink>(_ tuple: borrowing CopyBinaryTuple, to sink: inout Sink, firstColumn: Int) throws {
        guard tuple.fieldCount == plans.count else {
            throw CopyBinaryError(.fieldCount, "the tuple has \(tuple.fieldCount) fields but the decoder has \(plans.count) columns; the SELECT list and the decoder's columns disagree")
        }
        var fields = tuple.fields
        for index in 0 ..< plans.count {
            let field = fields.next()
            do {
                try Self.decode(field, plans[index], column: firstColumn + index, into: &sink)
            } catch var error as CopyBinaryError where error.column == nil {
                error.column = names[index]
                error.message += " [\(types[index].displayName)]"
                throw error
            }
        }
    }

    /// Decodes a capture tuple into one bronze row: the source columns `0..<sourceColumns`,
    /// the capture columns after them, then `_overflow` as the sink's last column.
    ///
    /// A source value the column's Parquet type cannot hold (numeric NaN in a decimal,
    /// a timestamp past 294247, or anything else a decoder rejects) is stored as NULL, and
    /// its PostgreSQL text, taken from the `::text` field `textFields` names for that column
    /// (fields after the capture columns), goes into `_overflow` as a JSON object. Without a
    /// text field for it, `OverflowNeedsText` asks the caller to select one and read again.
    /// Returns the columns that overflowed, or nil (the usual case: nothing allocated).
    func appendCapture<Sink: BronzeRowSink>(
        _ tuple: borrowing CopyBinaryTuple, to sink: inout Sink, sourceColumns: Int, textFields: [Int?]
    ) throws -> [Int]? {
        let extra = textFields.reduce(0) { $0 + ($1 == nil ? 0 : 1) }
        guard tuple.fieldCount == plans.count + extra else {
            throw CopyBinaryError(.fieldCount, "the tuple has \(tuple.fieldCount) fields but the decoder expects \(plans.count + extra); the SELECT list and the decoder's columns disagree")
        }
        var fields = tuple.fields
        var overflowed: [Int]?
        for index in 0 ..< plans.count {
            let field = fields.next()
            if index < sourceColumns {
                do {
                    try Self.decode(field, plans[index], column: index, into: &sink)
                } catch {
                    guard textFields[index] != nil else { throw OverflowNeedsText(column: index, reason: "\(error)") }
                    try sink.appendNull(column: index)
                    overflowed = (overflowed ?? []) + [index]
                }
            } else {
                do {
                    try Self.decode(field, plans[index], column: index, into: &sink)
                } catch var error as CopyBinaryError where error.column == nil {
                    error.column = names[index]
                    throw error
                }
            }
        }
        guard let overflowed else {
            try sink.appendNull(column: plans.count)
            try sink.endRow()
            return nil
        }
        var texts: [Int: UnsafeRawBufferPointer?] = [:]
        for (column, field) in textFields.enumerated() where field != nil {
            let bytes = fields.next()
            if overflowed.contains(column) { texts[column] = bytes }
        }
        var json = OverflowJSON()
        for column in overflowed {
            json.add(name: names[column], text: texts[column] ?? nil)
        }
        try json.finish { try sink.append(column: plans.count, bytes: $0) }
        try sink.endRow()
        return overflowed
    }

    /// The value a column of type `typeOID`/`typmod` stores for one field in its binary
    /// send format (nil for NULL): the same decoding, for a value that is not in a tuple.
    package static func value(_ field: [UInt8]?, typeOID: UInt32, typmod: Int32) throws -> ParquetValue {
        let decoder = BronzeRowDecoder(types: [PostgresType(oid: typeOID, typmod: typmod)])
        var collector = BronzeValueCollector(types: decoder.parquetTypes, names: decoder.names)
        if let field {
            try field.withUnsafeBytes { try decode($0, decoder.plans[0], column: 0, into: &collector) }
        } else {
            try decode(nil, decoder.plans[0], column: 0, into: &collector)
        }
        return collector.values[0]
    }

    /// The values `append` would store for `tuple`, in column order.
    func values(_ tuple: borrowing CopyBinaryTuple) throws -> [ParquetValue] {
        var collector = BronzeValueCollector(types: parquetTypes, names: names)
        try appendFields(tuple, to: &collector, firstColumn: 0)
        return collector.values
    }

    @inline(__always)
    private static func decode<Sink: BronzeRowSink>(
        _ field: UnsafeRawBufferPointer?, _ plan: FieldPlan, column: Int, into sink: inout Sink
    ) throws {
        guard let field else { return try sink.appendNull(column: column) }
        switch plan {
        case .bool: try sink.append(column: column, bool: Bool(postgresBinary: field))
        case .int16: try sink.append(column: column, int: Int64(Int16(postgresBinary: field, type: "smallint")))
        case .int32: try sink.append(column: column, int: Int64(Int32(postgresBinary: field, type: "integer")))
        case .int64: try sink.append(column: column, int: Int64(postgresBinary: field, type: "bigint"))
        case .oid: try sink.append(column: column, int: Int64(UInt32(postgresBinary: field, type: "oid")))
        case .xid8: try sink.append(column: column, int: Int64(postgresXid8: field))
        case .float4: try sink.append(column: column, float: Float(postgresBinary: field))
        case .float8: try sink.append(column: column, double: Double(postgresBinary: field))
        case .decimal(let precision, let scale):
            let numeric = try PostgresNumeric(postgresBinary: field)
            try sink.append(column: column, decimalUnscaled: numeric.unscaled(precision: precision, scale: scale))
        case .numericText:
            let numeric = try PostgresNumeric(postgresBinary: field)
            try numeric.withText { try sink.append(column: column, bytes: $0) }
        case .passthrough: try sink.append(column: column, bytes: field)
        case .char: try PostgresText.withCharText(field) { try sink.append(column: column, bytes: $0) }
        case .jsonb: try sink.append(column: column, bytes: PostgresText.jsonbText(field))
        case .uuid:
            try PostgresUUID.validate(field)
            try sink.append(column: column, bytes: field)
        case .date: try sink.append(column: column, int: PostgresDate.daysSince1970(field))
        case .timestamp(let name): try sink.append(column: column, int: PostgresTimestamp.microsSince1970(field, type: name))
        }
    }

    private static func plan(_ type: PostgresType) -> FieldPlan {
        switch type {
        case .bool: .bool
        case .int2: .int16
        case .int4: .int32
        case .int8: .int64
        case .oid: .oid
        case .xid8: .xid8
        case .float4: .float4
        case .float8: .float8
        case .numeric(let typmod):
            if let decimal = typmod?.decimal {
                .decimal(precision: decimal.precision, scale: decimal.scale)
            } else {
                .numericText
            }
        case .text, .varchar, .bpchar, .name, .json, .bytea, .unsupported: .passthrough
        case .char: .char
        case .jsonb: .jsonb
        case .uuid: .uuid
        case .date: .date
        case .timestamp: .timestamp("timestamp")
        case .timestamptz: .timestamp("timestamptz")
        }
    }
}

/// A source value could not be stored in its column's type and no `::text` form of it was
/// selected: read again with one.
struct OverflowNeedsText: Error {
    var column: Int
    var reason: String
}

/// Builds the `_overflow` JSON object `{"<column>": "<text>", ...}` (null for a NULL text).
struct OverflowJSON {
    private var bytes: [UInt8] = [UInt8(ascii: "{")]

    mutating func add(name: String, text: UnsafeRawBufferPointer?) {
        if bytes.count > 1 { bytes.append(UInt8(ascii: ",")) }
        Self.appendString(Array(name.utf8), to: &bytes)
        bytes.append(UInt8(ascii: ":"))
        if let text {
            Self.appendString(Array(text), to: &bytes)
        } else {
            bytes.append(contentsOf: Array("null".utf8))
        }
    }

    func finish(_ body: (UnsafeRawBufferPointer) throws -> Void) rethrows {
        var closed = bytes
        closed.append(UInt8(ascii: "}"))
        try closed.withUnsafeBytes(body)
    }

    /// A JSON string: quotes, backslashes and control characters escaped; other bytes
    /// (UTF-8 from the server) kept as they are.
    static func appendString(_ value: [UInt8], to out: inout [UInt8]) {
        let hex = Array("0123456789abcdef".utf8)
        out.append(UInt8(ascii: "\""))
        for byte in value {
            switch byte {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"):
                out.append(UInt8(ascii: "\\"))
                out.append(byte)
            case 0 ..< 0x20:
                out.append(contentsOf: Array("\\u00".utf8))
                out.append(hex[Int(byte >> 4)])
                out.append(hex[Int(byte & 0xF)])
            default:
                out.append(byte)
            }
        }
        out.append(UInt8(ascii: "\""))
    }
}
