/// The `PageHeader` struct that precedes every page, with its v1, v2 and dictionary variants.
struct PageHeader {
    var type: Int32
    var uncompressedPageSize: Int32
    var compressedPageSize: Int32
    var dataPage: DataPageHeader?
    var dictionaryPage: DictionaryPageHeader?
    var dataPageV2: DataPageHeaderV2?

    struct DataPageHeader {
        var numValues: Int32
        var encoding: Int32
        var definitionLevelEncoding: Int32 = Encoding.rle.rawValue
        var repetitionLevelEncoding: Int32 = Encoding.rle.rawValue
    }

    struct DictionaryPageHeader {
        var numValues: Int32
        var encoding: Int32
    }

    struct DataPageHeaderV2 {
        var numValues: Int32 = 0
        var numNulls: Int32 = 0
        var numRows: Int32 = 0
        var encoding: Int32 = 0
        var definitionLevelsByteLength: Int32 = 0
        var repetitionLevelsByteLength: Int32 = 0
        var isCompressed = true
    }

    func encode(into e: inout ThriftCompactEncoder) {
        e.beginStruct()
        e.field(1, i32: type)
        e.field(2, i32: uncompressedPageSize)
        e.field(3, i32: compressedPageSize)
        if let page = dataPage {
            e.field(5) { e in
                e.field(1, i32: page.numValues)
                e.field(2, i32: page.encoding)
                e.field(3, i32: page.definitionLevelEncoding)
                e.field(4, i32: page.repetitionLevelEncoding)
            }
        }
        if let page = dictionaryPage {
            e.field(7) { e in
                e.field(1, i32: page.numValues)
                e.field(2, i32: page.encoding)
            }
        }
        e.endStruct()
    }

    static func decode(from d: inout ThriftCompactDecoder) throws -> PageHeader {
        var header = PageHeader(type: -1, uncompressedPageSize: -1, compressedPageSize: -1)
        try d.readStruct { d, id, _ in
            switch id {
            case 1: header.type = try d.readI32()
            case 2: header.uncompressedPageSize = try d.readI32()
            case 3: header.compressedPageSize = try d.readI32()
            case 5:
                var page = DataPageHeader(numValues: 0, encoding: 0)
                try d.readStruct { d, id, _ in
                    switch id {
                    case 1: page.numValues = try d.readI32()
                    case 2: page.encoding = try d.readI32()
                    case 3: page.definitionLevelEncoding = try d.readI32()
                    case 4: page.repetitionLevelEncoding = try d.readI32()
                    default: return false
                    }
                    return true
                }
                header.dataPage = page
            case 7:
                var page = DictionaryPageHeader(numValues: 0, encoding: 0)
                try d.readStruct { d, id, _ in
                    switch id {
                    case 1: page.numValues = try d.readI32()
                    case 2: page.encoding = try d.readI32()
                    default: return false
                    }
                    return true
                }
                header.dictionaryPage = page
            case 8:
                var page = DataPageHeaderV2()
                try d.readStruct { d, id, type in
                    switch id {
                    case 1: page.numValues = try d.readI32()
                    case 2: page.numNulls = try d.readI32()
                    case 3: page.numRows = try d.readI32()
                    case 4: page.encoding = try d.readI32()
                    case 5: page.definitionLevelsByteLength = try d.readI32()
                    case 6: page.repetitionLevelsByteLength = try d.readI32()
                    case 7: page.isCompressed = type == .booleanTrue
                    default: return false
                    }
                    return true
                }
                header.dataPageV2 = page
            default: return false
            }
            return true
        }
        guard header.type >= 0, header.compressedPageSize >= 0, header.uncompressedPageSize >= 0 else {
            throw ParquetError(.corruptFile, "page header without type or sizes")
        }
        return header
    }
}
