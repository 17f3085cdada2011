import Parquet

/// The typed appends `BronzeRowDecoder` drives: exactly `ParquetWriter`'s row API,
/// so the decoder can also feed `BronzeValueCollector` (verify) and test doubles.
protocol BronzeRowSink {
    mutating func appendNull(column: Int) throws
    mutating func append(column: Int, bool: Bool) throws
    mutating func append(column: Int, int: Int64) throws
    mutating func append(column: Int, float: Float) throws
    mutating func append(column: Int, double: Double) throws
    mutating func append(column: Int, decimalUnscaled: Int128) throws
    mutating func append(column: Int, bytes: UnsafeRawBufferPointer) throws
    mutating func endRow() throws
}

extension ParquetWriter: BronzeRowSink {}
