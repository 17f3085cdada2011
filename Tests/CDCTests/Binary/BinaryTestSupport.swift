@testable import CDC
import Parquet

/// Builders for hand-written send-format bytes and COPY streams.
enum SendBytes {
    static func be<T: FixedWidthInteger>(_ value: T) -> [UInt8] {
        withUnsafeBytes(of: value.bigEndian, Array.init)
    }

    /// numeric_send bytes.
    static func numeric(weight: Int16, sign: UInt16 = 0, dscale: Int16, digits: [Int16]) -> [UInt8] {
        be(Int16(digits.count)) + be(weight) + be(sign) + be(dscale) + digits.flatMap(be)
    }

    static func text(_ string: String) -> [UInt8] { Array(string.utf8) }

    /// A full binary COPY stream: header, one tuple per row, trailer.
    static func copyStream(_ rows: [[[UInt8]?]], headerExtension: [UInt8] = []) -> [UInt8] {
        var stream = CopyBinaryParser.signature + be(Int32(0)) + be(Int32(headerExtension.count)) + headerExtension
        for row in rows {
            stream += be(Int16(row.count))
            for field in row {
                if let field {
                    stream += be(Int32(field.count)) + field
                } else {
                    stream += be(Int32(-1))
                }
            }
        }
        return stream + be(Int16(-1))
    }
}

/// Parses `stream` fed in pieces of the given sizes (the last piece takes the rest).
func parseFields(_ stream: [UInt8], pieces: [Int] = [], expectedFieldCount: Int? = nil) throws -> [[[UInt8]?]] {
    var parser = CopyBinaryParser(expectedFieldCount: expectedFieldCount)
    var rows: [[[UInt8]?]] = []
    try stream.withUnsafeBytes { all in
        var start = 0
        for size in pieces + [all.count] {
            let end = min(all.count, start + size)
            try parser.feed(UnsafeRawBufferPointer(rebasing: all[start ..< end])) { rows.append($0.copiedFields()) }
            start = end
        }
    }
    try parser.finish()
    return rows
}

/// Decodes a whole stream into `values` rows.
func decodeValues(_ stream: [UInt8], types: [PostgresType], names: [String]? = nil) throws -> [[ParquetValue]] {
    let decoder = BronzeRowDecoder(types: types, names: names)
    var parser = CopyBinaryParser(expectedFieldCount: types.count)
    var rows: [[ParquetValue]] = []
    try stream.withUnsafeBytes { bytes in
        try parser.feed(bytes) { rows.append(try decoder.values($0)) }
    }
    try parser.finish()
    return rows
}

/// Decodes one field of the given type.
func decodeField(_ field: [UInt8]?, as type: PostgresType) throws -> ParquetValue {
    try decodeValues(SendBytes.copyStream([[field]]), types: [type])[0][0]
}

/// Records every append as a `(column, value)` pair, plus row ends.
struct RecordingSink: BronzeRowSink {
    enum Event: Equatable { case value(Int, ParquetValue), endRow }
    var events: [Event] = []

    mutating func appendNull(column: Int) throws { events.append(.value(column, .null)) }
    mutating func append(column: Int, bool: Bool) throws { events.append(.value(column, .bool(bool))) }
    mutating func append(column: Int, int: Int64) throws { events.append(.value(column, .int(int))) }
    mutating func append(column: Int, float: Float) throws { events.append(.value(column, .float(float))) }
    mutating func append(column: Int, double: Double) throws { events.append(.value(column, .double(double))) }
    mutating func append(column: Int, decimalUnscaled: Int128) throws { events.append(.value(column, .decimal(decimalUnscaled))) }
    mutating func append(column: Int, bytes: UnsafeRawBufferPointer) throws { events.append(.value(column, .bytes(Array(bytes)))) }
    mutating func endRow() throws { events.append(.endRow) }
}

extension ParquetValue {
    var floatBits: UInt32? { if case .float(let v) = self { v.bitPattern } else { nil } }
    var doubleBits: UInt64? { if case .double(let v) = self { v.bitPattern } else { nil } }
}
