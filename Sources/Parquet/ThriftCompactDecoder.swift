/// Decodes Thrift compact protocol structs; unknown fields are skipped.
struct ThriftCompactDecoder {
    let bytes: [UInt8]
    var position: Int
    private var lastFieldID: Int16 = 0
    private var fieldIDStack: [Int16] = []
    private var depth = 0

    init(bytes: [UInt8], position: Int = 0) {
        self.bytes = bytes
        self.position = position
    }

    private static func corrupt(_ what: String) -> ParquetError {
        ParquetError(.corruptFile, "invalid Thrift metadata: \(what)")
    }

    mutating func readByte() throws -> UInt8 {
        guard position < bytes.count else { throw Self.corrupt("unexpected end") }
        defer { position += 1 }
        return bytes[position]
    }

    mutating func readVarint() throws -> UInt64 {
        guard let value = ULEB128.read(bytes, at: &position) else {
            throw Self.corrupt(position >= bytes.count ? "unexpected end" : "varint too long")
        }
        return value
    }

    static func unzigzag(_ value: UInt64) -> Int64 {
        Int64(bitPattern: value >> 1) ^ -Int64(bitPattern: value & 1)
    }

    mutating func readI64() throws -> Int64 { Self.unzigzag(try readVarint()) }

    mutating func readI32() throws -> Int32 {
        let value = try readI64()
        guard let narrow = Int32(exactly: value) else { throw Self.corrupt("i32 out of range") }
        return narrow
    }

    mutating func readBinary() throws -> [UInt8] {
        let length = try readVarint()
        guard length <= UInt64(bytes.count - position) else { throw Self.corrupt("binary length") }
        let end = position + Int(length)
        defer { position = end }
        return Array(bytes[position..<end])
    }

    mutating func readString() throws -> String {
        String(decoding: try readBinary(), as: UTF8.self)
    }

    mutating func readListHeader() throws -> (count: Int, elementType: UInt8) {
        let header = try readByte()
        var count = Int(header >> 4)
        if count == 15 {
            let long = try readVarint()
            guard long <= UInt64(bytes.count) else { throw Self.corrupt("list size") }
            count = Int(long)
        }
        return (count, header & 0x0F)
    }

    /// Returns nil at the struct's stop byte.
    mutating func readFieldHeader() throws -> (id: Int16, type: ThriftCompactType)? {
        let header = try readByte()
        if header == 0 { return nil }
        guard let type = ThriftCompactType(rawValue: header & 0x0F) else { throw Self.corrupt("field type") }
        let delta = Int16(header >> 4)
        if delta == 0 {
            guard let id = Int16(exactly: Self.unzigzag(try readVarint())) else { throw Self.corrupt("field id") }
            lastFieldID = id
        } else {
            lastFieldID &+= delta
        }
        return (lastFieldID, type)
    }

    /// Calls `handle` for every field; fields it does not consume (returns false) are skipped.
    mutating func readStruct(
        _ handle: (inout ThriftCompactDecoder, _ id: Int16, _ type: ThriftCompactType) throws -> Bool
    ) throws {
        depth += 1
        guard depth < 64 else { throw Self.corrupt("nesting too deep") }
        fieldIDStack.append(lastFieldID)
        lastFieldID = 0
        while let (id, type) = try readFieldHeader() {
            if try !handle(&self, id, type) {
                try skip(type)
            }
        }
        lastFieldID = fieldIDStack.popLast() ?? 0
        depth -= 1
    }

    mutating func readList<Element>(_ element: (inout ThriftCompactDecoder) throws -> Element) throws -> [Element] {
        let (count, _) = try readListHeader()
        var result: [Element] = []
        result.reserveCapacity(min(count, 1 << 16))
        for _ in 0..<count { result.append(try element(&self)) }
        return result
    }

    mutating func readStructList<Element>(_ element: (inout ThriftCompactDecoder) throws -> Element) throws -> [Element] {
        try readList { decoder in try element(&decoder) }
    }

    mutating func skip(_ type: ThriftCompactType) throws {
        switch type {
        case .stop, .booleanTrue, .booleanFalse: return  // field bools live in the header
        case .byte: position += 1
        case .i16, .i32, .i64: _ = try readVarint()
        case .double: position += 8
        case .binary: _ = try readBinary()
        case .list, .set:
            let (count, raw) = try readListHeader()
            guard let elementType = ThriftCompactType(rawValue: raw) else { throw Self.corrupt("list element type") }
            for _ in 0..<count {
                if elementType == .booleanTrue || elementType == .booleanFalse {
                    position += 1
                } else {
                    try skip(elementType)
                }
            }
        case .map:
            let count = try readVarint()
            guard count <= UInt64(bytes.count) else { throw Self.corrupt("map size") }
            if count > 0 {
                let types = try readByte()
                guard let keyType = ThriftCompactType(rawValue: types >> 4),
                      let valueType = ThriftCompactType(rawValue: types & 0x0F) else { throw Self.corrupt("map types") }
                for _ in 0..<count {
                    try skipElement(keyType)
                    try skipElement(valueType)
                }
            }
        case .structure:
            try readStruct { _, _, _ in false }
        }
        guard position <= bytes.count else { throw Self.corrupt("unexpected end") }
    }

    private mutating func skipElement(_ type: ThriftCompactType) throws {
        if type == .booleanTrue || type == .booleanFalse { position += 1 } else { try skip(type) }
    }
}
