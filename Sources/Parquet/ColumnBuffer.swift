/// Why a value was rejected; ``ParquetWriter`` adds the column name and row.
enum ValueError: Error {
    case typeMismatch(given: String)
    case nullInRequiredColumn
    case outOfRange(String)
    case invalidUTF8
    case invalidLength(Int)
    case duplicate
}

/// The values of one column in the row group being built, in typed buffers.
///
/// Only non-null values are stored; nullable columns also keep one definition level per row.
struct ColumnBuffer {
    let storage: ColumnDescriptor.Storage
    let nullable: Bool
    private let intMin: Int64
    private let intMax: Int64
    private let decimalBound: Int128
    private let validatesUTF8: Bool

    private(set) var rows = 0
    var definitions = GrowableBuffer<UInt8>()
    var booleans = GrowableBuffer<Bool>()
    var int32s = GrowableBuffer<Int32>()
    var int64s = GrowableBuffer<Int64>()
    var int128s = GrowableBuffer<Int128>()
    var floats = GrowableBuffer<Float>()
    var doubles = GrowableBuffer<Double>()
    /// Byte arrays and UUIDs, packed; for byte arrays value `i` spans `offsets[i]..<offsets[i + 1]`.
    var bytes = GrowableBuffer<UInt8>()
    var offsets = GrowableBuffer<Int>()

    init(_ descriptor: ColumnDescriptor) {
        storage = descriptor.storage
        nullable = descriptor.column.nullable
        intMin = descriptor.intRange.lowerBound
        intMax = descriptor.intRange.upperBound
        decimalBound = descriptor.decimalBound
        validatesUTF8 = descriptor.validatesUTF8
        offsets.append(0)
    }

    /// Frees the buffers; called once, by the writer that owns this column.
    mutating func release() {
        definitions.release()
        booleans.release()
        int32s.release()
        int64s.release()
        int128s.release()
        floats.release()
        doubles.release()
        bytes.release()
        offsets.release()
    }

    var valueCount: Int {
        switch storage {
        case .boolean: booleans.count
        case .int32: int32s.count
        case .int64: int64s.count
        case .int128: int128s.count
        case .float: floats.count
        case .double: doubles.count
        case .byteArray: offsets.count - 1
        case .fixed16: bytes.count / 16
        }
    }

    @inline(__always)
    private mutating func valueAppended() {
        if nullable { definitions.append(1) }
        rows += 1
    }

    @inline(__always)
    mutating func appendNull(row: Int) throws(ValueError) {
        guard rows == row else { throw .duplicate }
        guard nullable else { throw .nullInRequiredColumn }
        definitions.append(0)
        rows += 1
    }

    @inline(__always)
    mutating func append(bool value: Bool, row: Int) throws(ValueError) {
        guard rows == row else { throw .duplicate }
        guard storage == .boolean else { throw .typeMismatch(given: "bool") }
        booleans.append(value)
        valueAppended()
    }

    @inline(__always)
    mutating func append(int value: Int64, row: Int) throws(ValueError) {
        guard rows == row else { throw .duplicate }
        switch storage {
        case .int64 where decimalBound == 0:
            int64s.append(value)
        case .int32 where decimalBound == 0:
            guard value >= intMin && value <= intMax else {
                throw .outOfRange("\(value) is outside \(intMin)...\(intMax)")
            }
            int32s.append(Int32(truncatingIfNeeded: value))
        default:
            throw .typeMismatch(given: "int")
        }
        valueAppended()
    }

    @inline(__always)
    mutating func append(float value: Float, row: Int) throws(ValueError) {
        guard rows == row else { throw .duplicate }
        guard storage == .float else { throw .typeMismatch(given: "float") }
        floats.append(value)
        valueAppended()
    }

    @inline(__always)
    mutating func append(double value: Double, row: Int) throws(ValueError) {
        guard rows == row else { throw .duplicate }
        guard storage == .double else { throw .typeMismatch(given: "double") }
        doubles.append(value)
        valueAppended()
    }

    @inline(__always)
    mutating func append(decimalUnscaled value: Int128, row: Int) throws(ValueError) {
        guard rows == row else { throw .duplicate }
        guard decimalBound != 0 else { throw .typeMismatch(given: "decimal") }
        guard value < decimalBound && value > -decimalBound else {
            throw .outOfRange("unscaled decimal \(value) has more digits than the precision allows")
        }
        switch storage {
        case .int32: int32s.append(Int32(truncatingIfNeeded: value))
        case .int64: int64s.append(Int64(truncatingIfNeeded: value))
        default: int128s.append(value)
        }
        valueAppended()
    }

    @inline(__always)
    mutating func append(bytes value: UnsafeRawBufferPointer, row: Int) throws(ValueError) {
        guard rows == row else { throw .duplicate }
        switch storage {
        case .byteArray:
            if validatesUTF8 && !UTF8Validation.isValid(value) { throw .invalidUTF8 }
            bytes.append(contentsOf: value)
            offsets.append(bytes.count)
        case .fixed16:
            guard value.count == 16 else { throw .invalidLength(value.count) }
            bytes.append(contentsOf: value)
        default:
            throw .typeMismatch(given: "bytes")
        }
        valueAppended()
    }

    /// Drops the value (or null) appended for row `row`, if any; used to reject a row whole.
    mutating func removeRow(_ row: Int) {
        guard rows == row + 1 else { return }
        rows -= 1
        if nullable, definitions.removeLast() == 0 { return }
        switch storage {
        case .boolean: booleans.removeLast()
        case .int32: int32s.removeLast()
        case .int64: int64s.removeLast()
        case .int128: int128s.removeLast()
        case .float: floats.removeLast()
        case .double: doubles.removeLast()
        case .byteArray:
            offsets.removeLast()
            bytes.removeLast(bytes.count - offsets[offsets.count - 1])
        case .fixed16: bytes.removeLast(16)
        }
    }

    /// Approximate buffered size, for the row group byte limit.
    var estimatedBytes: Int {
        switch storage {
        case .byteArray: bytes.count + 4 * offsets.count + definitions.count
        case .fixed16: bytes.count + definitions.count
        case .boolean: booleans.count + definitions.count
        case .int32, .float: 4 * valueCount + definitions.count
        case .int64, .double: 8 * valueCount + definitions.count
        case .int128: 16 * int128s.count + definitions.count
        }
    }

    mutating func reset() {
        rows = 0
        definitions.removeAll()
        booleans.removeAll()
        int32s.removeAll()
        int64s.removeAll()
        int128s.removeAll()
        floats.removeAll()
        doubles.removeAll()
        bytes.removeAll()
        offsets.removeAll()
        offsets.append(0)
    }
}
