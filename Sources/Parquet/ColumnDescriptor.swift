/// How a ``ParquetColumn`` is stored: physical type, annotations and value checks.
struct ColumnDescriptor {
    /// Which typed buffer of ``ColumnBuffer`` holds the values.
    enum Storage {
        case boolean, int32, int64, int128, float, double, byteArray, fixed16
    }

    let column: ParquetColumn
    let storage: Storage
    let physicalType: PhysicalType
    /// FIXED_LEN_BYTE_ARRAY width.
    let typeLength: Int
    /// Accepted range for `append(int:)` (int8/int16/int32/date columns are narrower than Int64).
    let intRange: ClosedRange<Int64>
    /// Decimals: the unscaled value must be strictly inside ±10^precision.
    let decimalBound: Int128
    let validatesUTF8: Bool
    /// Legacy `min`/`max` statistics are only valid for signed sort orders (not for byte
    /// arrays, UUIDs or FIXED_LEN_BYTE_ARRAY decimals).
    let legacyStatistics: Bool
    let compression: ParquetCompression

    init(_ column: ParquetColumn, compression: ParquetCompression) throws {
        self.column = column
        self.compression = compression
        var storage = Storage.int32
        var physical = PhysicalType.int32
        var typeLength = 0
        var intRange: ClosedRange<Int64> = Int64.min...Int64.max
        var decimalBound: Int128 = 0
        var validatesUTF8 = false
        var legacy = true
        switch column.type {
        case .boolean: storage = .boolean; physical = .boolean
        case .int8: intRange = Int64(Int8.min)...Int64(Int8.max)
        case .int16: intRange = Int64(Int16.min)...Int64(Int16.max)
        case .int32, .date: intRange = Int64(Int32.min)...Int64(Int32.max)
        case .int64, .timestamp: storage = .int64; physical = .int64
        case .float: storage = .float; physical = .float
        case .double: storage = .double; physical = .double
        case .string, .json: storage = .byteArray; physical = .byteArray; validatesUTF8 = true; legacy = false
        case .bytes: storage = .byteArray; physical = .byteArray; legacy = false
        case .uuid: storage = .fixed16; physical = .fixedLenByteArray; typeLength = 16; legacy = false
        case .decimal(let precision, let scale):
            guard (1...38).contains(precision), (0...precision).contains(scale) else {
                throw ParquetError(.invalidSchema, "decimal(\(precision),\(scale)) needs 1 <= precision <= 38 and 0 <= scale <= precision", column: column.name)
            }
            var bound: Int128 = 1
            for _ in 0..<precision { bound *= 10 }
            decimalBound = bound
            if precision <= 9 {
                storage = .int32
            } else if precision <= 18 {
                storage = .int64; physical = .int64
            } else {
                storage = .int128; physical = .fixedLenByteArray; legacy = false
                typeLength = Self.decimalByteWidth(precision: precision)
            }
        }
        self.storage = storage
        self.physicalType = physical
        self.typeLength = typeLength
        self.intRange = intRange
        self.decimalBound = decimalBound
        self.validatesUTF8 = validatesUTF8
        self.legacyStatistics = legacy
    }

    /// The fewest bytes whose two's complement holds every value of `precision` digits.
    static func decimalByteWidth(precision: Int) -> Int {
        var limit: UInt128 = 1
        for _ in 0..<precision { limit *= 10 }
        var width = 1
        while (UInt128(1) << UInt128(8 * width - 1)) < limit { width += 1 }
        return width
    }

    var schemaElement: SchemaElement {
        var element = SchemaElement(name: column.name)
        element.type = physicalType
        element.repetition = column.nullable ? .optional : .required
        if physicalType == .fixedLenByteArray { element.typeLength = Int32(typeLength) }
        switch column.type {
        case .boolean, .float, .double, .bytes: break
        case .int8: element.logicalType = .integer(bitWidth: 8, signed: true); element.convertedType = .int8
        case .int16: element.logicalType = .integer(bitWidth: 16, signed: true); element.convertedType = .int16
        case .int32: element.logicalType = .integer(bitWidth: 32, signed: true); element.convertedType = .int32
        case .int64: element.logicalType = .integer(bitWidth: 64, signed: true); element.convertedType = .int64
        case .string: element.logicalType = .string; element.convertedType = .utf8
        case .json: element.logicalType = .json; element.convertedType = .json
        case .date: element.logicalType = .date; element.convertedType = .date
        case .uuid: element.logicalType = .uuid
        case .timestamp(let utc):
            element.logicalType = .timestamp(utc: utc, unit: .micros)
            // TIMESTAMP_MICROS means "adjusted to UTC"; local timestamps have no converted type.
            if utc { element.convertedType = .timestampMicros }
        case .decimal(let precision, let scale):
            element.logicalType = .decimal(scale: Int32(scale), precision: Int32(precision))
            element.convertedType = .decimal
            element.scale = Int32(scale)
            element.precision = Int32(precision)
        }
        return element
    }

    /// Bytes one value takes in PLAIN encoding (byte arrays: 0, they vary).
    var fixedWidth: Int {
        switch storage {
        case .boolean: 1
        case .int32, .float: 4
        case .int64, .double: 8
        case .int128: typeLength
        case .fixed16: 16
        case .byteArray: 0
        }
    }
}
