/// The footer: `FileMetaData` and the row group / column chunk structs it contains.
struct FileMetaData {
    var version: Int32 = 1
    var schema: [SchemaElement] = []
    var numRows: Int64 = 0
    var rowGroups: [RowGroup] = []
    var keyValueMetadata: [(key: String, value: String?)] = []
    var createdBy: String?
    /// One TYPE_ORDER entry per leaf column: tells readers min_value/max_value follow the type's order.
    var typeDefinedColumnOrders = 0

    func encode(into e: inout ThriftCompactEncoder) {
        e.beginStruct()
        e.field(1, i32: version)
        e.field(2, structList: schema) { e, element in element.encode(into: &e) }
        e.field(3, i64: numRows)
        e.field(4, structList: rowGroups) { e, group in group.encode(into: &e) }
        if !keyValueMetadata.isEmpty {
            e.field(5, structList: keyValueMetadata) { e, pair in
                e.field(1, string: pair.key)
                if let value = pair.value { e.field(2, string: value) }
            }
        }
        if let createdBy { e.field(6, string: createdBy) }
        if typeDefinedColumnOrders > 0 {
            e.field(7, structList: Array(repeating: (), count: typeDefinedColumnOrders)) { e, _ in
                e.emptyStructField(1)
            }
        }
        e.endStruct()
    }

    static func decode(from d: inout ThriftCompactDecoder) throws -> FileMetaData {
        var meta = FileMetaData()
        try d.readStruct { d, id, _ in
            switch id {
            case 1: meta.version = try d.readI32()
            case 2: meta.schema = try d.readStructList { try SchemaElement.decode(from: &$0) }
            case 3: meta.numRows = try d.readI64()
            case 4: meta.rowGroups = try d.readStructList { try RowGroup.decode(from: &$0) }
            case 5:
                meta.keyValueMetadata = try d.readStructList { d in
                    var key = ""
                    var value: String?
                    try d.readStruct { d, id, _ in
                        switch id {
                        case 1: key = try d.readString()
                        case 2: value = try d.readString()
                        default: return false
                        }
                        return true
                    }
                    return (key, value)
                }
            case 6: meta.createdBy = try d.readString()
            default: return false
            }
            return true
        }
        return meta
    }
}

struct RowGroup {
    var columns: [ColumnChunk] = []
    var totalByteSize: Int64 = 0
    var numRows: Int64 = 0
    var fileOffset: Int64?
    var totalCompressedSize: Int64?
    var ordinal: Int16?

    func encode(into e: inout ThriftCompactEncoder) {
        e.field(1, structList: columns) { e, chunk in chunk.encode(into: &e) }
        e.field(2, i64: totalByteSize)
        e.field(3, i64: numRows)
        if let fileOffset { e.field(5, i64: fileOffset) }
        if let totalCompressedSize { e.field(6, i64: totalCompressedSize) }
        if let ordinal { e.field(7, i16: ordinal) }
    }

    static func decode(from d: inout ThriftCompactDecoder) throws -> RowGroup {
        var group = RowGroup()
        try d.readStruct { d, id, _ in
            switch id {
            case 1: group.columns = try d.readStructList { try ColumnChunk.decode(from: &$0) }
            case 2: group.totalByteSize = try d.readI64()
            case 3: group.numRows = try d.readI64()
            default: return false
            }
            return true
        }
        return group
    }
}

struct ColumnChunk {
    var fileOffset: Int64 = 0
    var metaData: ColumnMetaData?

    func encode(into e: inout ThriftCompactEncoder) {
        e.field(2, i64: fileOffset)
        if let metaData { e.field(3) { metaData.encode(into: &$0) } }
    }

    static func decode(from d: inout ThriftCompactDecoder) throws -> ColumnChunk {
        var chunk = ColumnChunk()
        try d.readStruct { d, id, _ in
            switch id {
            case 1: throw ParquetError(.unsupported, "column chunks in external files")
            case 2: chunk.fileOffset = try d.readI64()
            case 3: chunk.metaData = try ColumnMetaData.decode(from: &d)
            default: return false
            }
            return true
        }
        return chunk
    }
}

struct PageEncodingStats {
    var pageType: PageType
    var encoding: Encoding
    var count: Int32
}

struct ColumnMetaData {
    var type: Int32 = 0
    var encodings: [Int32] = []
    var pathInSchema: [String] = []
    var codec: Int32 = 0
    var numValues: Int64 = 0
    var totalUncompressedSize: Int64 = 0
    var totalCompressedSize: Int64 = 0
    var dataPageOffset: Int64 = 0
    var dictionaryPageOffset: Int64?
    var statistics: Statistics?
    var encodingStats: [PageEncodingStats] = []

    func encode(into e: inout ThriftCompactEncoder) {
        e.field(1, i32: type)
        e.field(2, i32List: encodings)
        e.field(3, stringList: pathInSchema)
        e.field(4, i32: codec)
        e.field(5, i64: numValues)
        e.field(6, i64: totalUncompressedSize)
        e.field(7, i64: totalCompressedSize)
        e.field(9, i64: dataPageOffset)
        if let dictionaryPageOffset { e.field(11, i64: dictionaryPageOffset) }
        if let statistics { e.field(12) { statistics.encode(into: &$0) } }
        if !encodingStats.isEmpty {
            e.field(13, structList: encodingStats) { e, stats in
                e.field(1, i32: stats.pageType.rawValue)
                e.field(2, i32: stats.encoding.rawValue)
                e.field(3, i32: stats.count)
            }
        }
    }

    static func decode(from d: inout ThriftCompactDecoder) throws -> ColumnMetaData {
        var meta = ColumnMetaData()
        try d.readStruct { d, id, _ in
            switch id {
            case 1: meta.type = try d.readI32()
            case 2: meta.encodings = try d.readList { try $0.readI32() }
            case 3: meta.pathInSchema = try d.readList { try $0.readString() }
            case 4: meta.codec = try d.readI32()
            case 5: meta.numValues = try d.readI64()
            case 6: meta.totalUncompressedSize = try d.readI64()
            case 7: meta.totalCompressedSize = try d.readI64()
            case 9: meta.dataPageOffset = try d.readI64()
            case 11: meta.dictionaryPageOffset = try d.readI64()
            case 12: meta.statistics = try Statistics.decode(from: &d)
            default: return false
            }
            return true
        }
        return meta
    }
}
