/// Element and field types of the Thrift compact protocol.
enum ThriftCompactType: UInt8 {
    case stop = 0
    case booleanTrue = 1
    case booleanFalse = 2
    case byte = 3
    case i16 = 4
    case i32 = 5
    case i64 = 6
    case double = 7
    case binary = 8
    case list = 9
    case set = 10
    case map = 11
    case structure = 12
}

/// Encodes Thrift structs with the compact protocol (enough for Parquet metadata).
struct ThriftCompactEncoder {
    var bytes: [UInt8] = []
    private var lastFieldID: Int16 = 0
    private var fieldIDStack: [Int16] = []

    init() {}

    static func zigzag(_ value: Int64) -> UInt64 {
        UInt64(bitPattern: (value << 1) ^ (value >> 63))
    }

    mutating func writeVarint(_ value: UInt64) {
        var value = value
        while value >= 0x80 {
            bytes.append(UInt8(truncatingIfNeeded: value) | 0x80)
            value >>= 7
        }
        bytes.append(UInt8(value))
    }

    mutating func beginStruct() {
        fieldIDStack.append(lastFieldID)
        lastFieldID = 0
    }

    mutating func endStruct() {
        bytes.append(ThriftCompactType.stop.rawValue)
        lastFieldID = fieldIDStack.popLast() ?? 0
    }

    /// Short form (delta in the high nibble) when the id grows by 1...15, else type byte plus zigzag id.
    mutating func writeFieldHeader(_ id: Int16, _ type: ThriftCompactType) {
        let delta = Int(id) - Int(lastFieldID)
        if delta > 0 && delta <= 15 {
            bytes.append(UInt8(delta) << 4 | type.rawValue)
        } else {
            bytes.append(type.rawValue)
            writeVarint(Self.zigzag(Int64(id)))
        }
        lastFieldID = id
    }

    mutating func writeListHeader(count: Int, elementType: ThriftCompactType) {
        if count < 15 {
            bytes.append(UInt8(count) << 4 | elementType.rawValue)
        } else {
            bytes.append(0xF0 | elementType.rawValue)
            writeVarint(UInt64(count))
        }
    }

    mutating func writeI32(_ value: Int32) { writeVarint(Self.zigzag(Int64(value))) }
    mutating func writeI64(_ value: Int64) { writeVarint(Self.zigzag(value)) }

    mutating func writeBinary(_ value: [UInt8]) {
        writeVarint(UInt64(value.count))
        bytes.append(contentsOf: value)
    }

    mutating func writeString(_ value: String) { writeBinary(Array(value.utf8)) }

    mutating func field(_ id: Int16, i32 value: Int32) {
        writeFieldHeader(id, .i32)
        writeI32(value)
    }

    mutating func field(_ id: Int16, i64 value: Int64) {
        writeFieldHeader(id, .i64)
        writeI64(value)
    }

    mutating func field(_ id: Int16, i16 value: Int16) {
        writeFieldHeader(id, .i16)
        writeI64(Int64(value))
    }

    mutating func field(_ id: Int16, i8 value: Int8) {
        writeFieldHeader(id, .byte)
        bytes.append(UInt8(bitPattern: value))
    }

    mutating func field(_ id: Int16, bool value: Bool) {
        writeFieldHeader(id, value ? .booleanTrue : .booleanFalse)
    }

    mutating func field(_ id: Int16, binary value: [UInt8]) {
        writeFieldHeader(id, .binary)
        writeBinary(value)
    }

    mutating func field(_ id: Int16, string value: String) {
        writeFieldHeader(id, .binary)
        writeString(value)
    }

    mutating func field(_ id: Int16, structure body: (inout ThriftCompactEncoder) -> Void) {
        writeFieldHeader(id, .structure)
        beginStruct()
        body(&self)
        endStruct()
    }

    /// An empty struct field, as used by the members of Thrift unions like `LogicalType`.
    mutating func emptyStructField(_ id: Int16) {
        field(id) { _ in }
    }

    mutating func field(_ id: Int16, i32List values: [Int32]) {
        writeFieldHeader(id, .list)
        writeListHeader(count: values.count, elementType: .i32)
        for value in values { writeI32(value) }
    }

    mutating func field(_ id: Int16, stringList values: [String]) {
        writeFieldHeader(id, .list)
        writeListHeader(count: values.count, elementType: .binary)
        for value in values { writeString(value) }
    }

    mutating func field<Element>(
        _ id: Int16, structList values: [Element], _ body: (inout ThriftCompactEncoder, Element) -> Void
    ) {
        writeFieldHeader(id, .list)
        writeListHeader(count: values.count, elementType: .structure)
        for value in values {
            beginStruct()
            body(&self, value)
            endStruct()
        }
    }
}
