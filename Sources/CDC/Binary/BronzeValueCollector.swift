import Parquet

/// A `BronzeRowSink` that records the `ParquetValue` each append would store,
/// so `verify` compares source rows with bronze rows using the very same decoding.
struct BronzeValueCollector: BronzeRowSink {
    /// The Parquet type of each sink column, to tell text from binary bytes.
    let types: [ParquetType]
    let names: [String]
    private(set) var values: [ParquetValue] = []

    init(types: [ParquetType], names: [String]) {
        self.types = types
        self.names = names
        values.reserveCapacity(types.count)
    }

    mutating func appendNull(column: Int) throws { values.append(.null) }
    mutating func append(column: Int, bool: Bool) throws { values.append(.bool(bool)) }
    mutating func append(column: Int, int: Int64) throws { values.append(.int(int)) }
    mutating func append(column: Int, float: Float) throws { values.append(.float(float)) }
    mutating func append(column: Int, double: Double) throws { values.append(.double(double)) }
    mutating func append(column: Int, decimalUnscaled: Int128) throws { values.append(.decimal(decimalUnscaled)) }

    mutating func append(column: Int, bytes: UnsafeRawBufferPointer) throws {
        switch types[column] {
        case .string, .json:
            guard let text = String(validating: bytes, as: UTF8.self) else {
                throw CopyBinaryError(.invalidField, "text is not valid UTF-8; the capture connection must use client_encoding UTF8", column: names[column])
            }
            values.append(.string(text))
        default:
            values.append(.bytes(Array(bytes)))
        }
    }

    mutating func endRow() throws {}
}
