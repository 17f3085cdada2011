// Enumerations from parquet.thrift, with their wire values.

enum PhysicalType: Int32 {
    case boolean = 0, int32 = 1, int64 = 2, int96 = 3, float = 4, double = 5
    case byteArray = 6, fixedLenByteArray = 7
}

enum ConvertedType: Int32 {
    case utf8 = 0, map = 1, mapKeyValue = 2, list = 3, enumeration = 4, decimal = 5, date = 6
    case timeMillis = 7, timeMicros = 8, timestampMillis = 9, timestampMicros = 10
    case uint8 = 11, uint16 = 12, uint32 = 13, uint64 = 14
    case int8 = 15, int16 = 16, int32 = 17, int64 = 18
    case json = 19, bson = 20, interval = 21
}

enum FieldRepetitionType: Int32 {
    case required = 0, optional = 1, repeated = 2
}

enum Encoding: Int32 {
    case plain = 0, plainDictionary = 2, rle = 3, bitPacked = 4
    case deltaBinaryPacked = 5, deltaLengthByteArray = 6, deltaByteArray = 7
    case rleDictionary = 8, byteStreamSplit = 9
}

enum CompressionCodec: Int32 {
    case uncompressed = 0, snappy = 1, gzip = 2, lzo = 3, brotli = 4, lz4 = 5, zstd = 6, lz4Raw = 7
}

enum PageType: Int32 {
    case dataPage = 0, indexPage = 1, dictionaryPage = 2, dataPageV2 = 3
}

enum TimeUnit: Equatable {
    case millis, micros, nanos
}

/// The `LogicalType` union (only the members this module writes or maps on read).
enum LogicalType: Equatable {
    case string
    case enumeration
    case decimal(scale: Int32, precision: Int32)
    case date
    case timestamp(utc: Bool, unit: TimeUnit)
    case integer(bitWidth: Int8, signed: Bool)
    case json
    case uuid
    case other(fieldID: Int16)

    func encode(into encoder: inout ThriftCompactEncoder) {
        switch self {
        case .string: encoder.emptyStructField(1)
        case .enumeration: encoder.emptyStructField(4)
        case .decimal(let scale, let precision):
            encoder.field(5) { e in
                e.field(1, i32: scale)
                e.field(2, i32: precision)
            }
        case .date: encoder.emptyStructField(6)
        case .timestamp(let utc, let unit):
            encoder.field(8) { e in
                e.field(1, bool: utc)
                e.field(2) { e in
                    switch unit {
                    case .millis: e.emptyStructField(1)
                    case .micros: e.emptyStructField(2)
                    case .nanos: e.emptyStructField(3)
                    }
                }
            }
        case .integer(let bitWidth, let signed):
            encoder.field(10) { e in
                e.field(1, i8: bitWidth)
                e.field(2, bool: signed)
            }
        case .json: encoder.emptyStructField(12)
        case .uuid: encoder.emptyStructField(14)
        case .other(let id): encoder.emptyStructField(id)
        }
    }

    static func decode(from decoder: inout ThriftCompactDecoder) throws -> LogicalType? {
        var result: LogicalType?
        try decoder.readStruct { d, id, type in
            guard type == .structure else { return false }
            switch id {
            case 1: result = .string
            case 4: result = .enumeration
            case 6: result = .date
            case 12: result = .json
            case 14: result = .uuid
            case 5:
                var scale: Int32 = 0
                var precision: Int32 = 0
                try d.readStruct { d, id, _ in
                    switch id {
                    case 1: scale = try d.readI32()
                    case 2: precision = try d.readI32()
                    default: return false
                    }
                    return true
                }
                result = .decimal(scale: scale, precision: precision)
                return true
            case 8:
                var utc = false
                var unit = TimeUnit.micros
                try d.readStruct { d, id, type in
                    switch id {
                    case 1: utc = type == .booleanTrue
                    case 2:
                        try d.readStruct { _, id, _ in
                            unit = id == 1 ? .millis : id == 3 ? .nanos : .micros
                            return false
                        }
                    default: return false
                    }
                    return true
                }
                result = .timestamp(utc: utc, unit: unit)
                return true
            case 10:
                var bitWidth: Int8 = 64
                var signed = true
                try d.readStruct { d, id, type in
                    switch id {
                    case 1: bitWidth = Int8(bitPattern: try d.readByte())
                    case 2: signed = type == .booleanTrue
                    default: return false
                    }
                    return true
                }
                result = .integer(bitWidth: bitWidth, signed: signed)
                return true
            default: result = .other(fieldID: id)
            }
            return false  // empty member struct: let the decoder skip it
        }
        return result
    }
}
