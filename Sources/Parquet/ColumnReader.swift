/// Decodes the pages of one column chunk into ``ParquetValue``s.
struct ColumnReader {
    /// How one leaf column is stored and how its values map to ``ParquetValue``.
    struct Layout: Sendable {
        enum Conversion: Sendable {
            case boolean, int32, int64, int64Millis, float, double, decimal32, decimal64, decimalFixed, string, bytes
        }

        let column: ParquetColumn
        let physicalType: PhysicalType
        let typeLength: Int
        let conversion: Conversion

        init(_ element: SchemaElement) throws {
            let name = element.name
            guard let physical = element.type else { throw ParquetError(.unsupported, "group columns", column: name) }
            guard element.repetition != .repeated else { throw ParquetError(.unsupported, "repeated columns", column: name) }
            let unsupported = ParquetError(.unsupported, "unsupported column type", column: name)
            var type: ParquetType
            var conversion: Conversion
            let logical = element.logicalType
            let converted = element.convertedType
            let decimal: (Int, Int)? = {
                if case .decimal(let scale, let precision) = logical { return (Int(precision), Int(scale)) }
                if converted == .decimal, let precision = element.precision { return (Int(precision), Int(element.scale ?? 0)) }
                return nil
            }()
            switch physical {
            case .boolean:
                (type, conversion) = (.boolean, .boolean)
            case .int32:
                conversion = .int32
                if let (precision, scale) = decimal {
                    (type, conversion) = (.decimal(precision: precision, scale: scale), .decimal32)
                } else if logical == .date || converted == .date {
                    type = .date
                } else if case .integer(let width, let signed) = logical {
                    guard signed else { throw unsupported }
                    type = width == 8 ? .int8 : width == 16 ? .int16 : .int32
                } else if converted == .int8 {
                    type = .int8
                } else if converted == .int16 {
                    type = .int16
                } else if logical == nil && (converted == nil || converted == .int32) {
                    type = .int32
                } else {
                    throw unsupported
                }
            case .int64:
                conversion = .int64
                if let (precision, scale) = decimal {
                    (type, conversion) = (.decimal(precision: precision, scale: scale), .decimal64)
                } else if case .timestamp(let utc, let unit) = logical {
                    guard unit != .nanos else { throw unsupported }
                    type = .timestamp(utc: utc)
                    if unit == .millis { conversion = .int64Millis }
                } else if converted == .timestampMicros {
                    type = .timestamp(utc: true)
                } else if converted == .timestampMillis {
                    (type, conversion) = (.timestamp(utc: true), .int64Millis)
                } else if case .integer(_, let signed) = logical {
                    guard signed else { throw unsupported }
                    type = .int64
                } else if logical == nil && (converted == nil || converted == .int64) {
                    type = .int64
                } else {
                    throw unsupported
                }
            case .float:
                (type, conversion) = (.float, .float)
            case .double:
                (type, conversion) = (.double, .double)
            case .byteArray:
                conversion = .string
                if logical == .string || logical == .enumeration || converted == .utf8 || converted == .enumeration {
                    type = .string
                } else if logical == .json || converted == .json {
                    type = .json
                } else if logical == nil && converted == nil {
                    (type, conversion) = (.bytes, .bytes)
                } else {
                    throw unsupported
                }
            case .fixedLenByteArray:
                guard let length = element.typeLength, length > 0 else { throw unsupported }
                if let (precision, scale) = decimal, length <= 16 {
                    (type, conversion) = (.decimal(precision: precision, scale: scale), .decimalFixed)
                } else if logical == .uuid && length == 16 {
                    (type, conversion) = (.uuid, .bytes)
                } else if logical == nil && converted == nil {
                    (type, conversion) = (.bytes, .bytes)
                } else {
                    throw unsupported
                }
            case .int96:
                throw unsupported
            }
            self.column = ParquetColumn(name: name, type: type, nullable: element.repetition != .required)
            self.physicalType = physical
            self.typeLength = Int(element.typeLength ?? 0)
            self.conversion = conversion
        }
    }

    let layout: Layout
    let bytes: [UInt8]

    private func corrupt(_ message: String) -> ParquetError {
        ParquetError(.corruptFile, message, column: layout.column.name)
    }

    func read(_ meta: ColumnMetaData, into values: inout [ParquetValue]) throws {
        var position = Int(meta.dataPageOffset)
        if let dictionaryOffset = meta.dictionaryPageOffset, dictionaryOffset > 0, dictionaryOffset < position {
            position = Int(dictionaryOffset)
        }
        var dictionary: [ParquetValue] = []
        var remaining = Int(meta.numValues)
        while remaining > 0 {
            guard position >= 0, position < bytes.count else { throw corrupt("page offset outside the file") }
            var decoder = ThriftCompactDecoder(bytes: bytes, position: position)
            let header = try PageHeader.decode(from: &decoder)
            let bodyStart = decoder.position
            let bodyEnd = bodyStart + Int(header.compressedPageSize)
            guard bodyEnd <= bytes.count else { throw corrupt("page extends past the end of the file") }
            position = bodyEnd
            let pageValues = header.dataPage.map { Int($0.numValues) } ?? header.dataPageV2.map { Int($0.numValues) } ?? 0
            guard pageValues >= 0, pageValues <= remaining else { throw corrupt("page holds more values than its column chunk") }
            try bytes.withUnsafeBytes { file in
                let body = UnsafeRawBufferPointer(rebasing: file[bodyStart..<bodyEnd])
                switch PageType(rawValue: header.type) {
                case .dictionaryPage:
                    guard let page = header.dictionaryPage else { throw corrupt("dictionary page without header") }
                    let data = try Compressor.decompress(body, codec: meta.codec, uncompressedSize: Int(header.uncompressedPageSize))
                    dictionary = []
                    try data.withUnsafeBytes { data in
                        var offset = 0
                        try decodePlain(data, &offset, count: Int(page.numValues), into: &dictionary)
                    }
                case .dataPage:
                    guard let page = header.dataPage else { throw corrupt("data page without header") }
                    let data = try Compressor.decompress(body, codec: meta.codec, uncompressedSize: Int(header.uncompressedPageSize))
                    try data.withUnsafeBytes { data in
                        var offset = 0
                        var levels: [UInt32] = []
                        let count = Int(page.numValues)
                        if layout.column.nullable {
                            guard data.count >= 4 else { throw corrupt("truncated definition levels") }
                            let length = Int(data.loadUnaligned(as: UInt32.self).littleEndian)
                            guard 4 + length <= data.count else { throw corrupt("truncated definition levels") }
                            var levelDecoder = RLEHybridDecoder(bytes: UnsafeRawBufferPointer(rebasing: data[4..<(4 + length)]), bitWidth: 1)
                            try levelDecoder.decode(count: count, into: &levels)
                            offset = 4 + length
                        }
                        try decodeValues(data, &offset, count: count, levels: levels, encoding: page.encoding,
                                         dictionary: dictionary, into: &values)
                    }
                    remaining -= Int(page.numValues)
                case .dataPageV2:
                    guard let page = header.dataPageV2 else { throw corrupt("v2 data page without header") }
                    let levelBytes = Int(page.definitionLevelsByteLength) + Int(page.repetitionLevelsByteLength)
                    guard page.repetitionLevelsByteLength == 0, levelBytes <= body.count else { throw corrupt("bad v2 levels") }
                    var levels: [UInt32] = []
                    let count = Int(page.numValues)
                    if layout.column.nullable {
                        var levelDecoder = RLEHybridDecoder(bytes: UnsafeRawBufferPointer(rebasing: body[0..<levelBytes]), bitWidth: 1)
                        try levelDecoder.decode(count: count, into: &levels)
                    }
                    let valueBytes = UnsafeRawBufferPointer(rebasing: body[levelBytes...])
                    let data = page.isCompressed
                        ? try Compressor.decompress(valueBytes, codec: meta.codec, uncompressedSize: Int(header.uncompressedPageSize) - levelBytes)
                        : Array(valueBytes)
                    try data.withUnsafeBytes { data in
                        var offset = 0
                        try decodeValues(data, &offset, count: count, levels: levels, encoding: page.encoding,
                                         dictionary: dictionary, into: &values)
                    }
                    remaining -= count
                default:
                    break  // index pages and unknown pages carry no values
                }
            }
        }
    }

    private func decodeValues(
        _ data: UnsafeRawBufferPointer, _ offset: inout Int, count: Int, levels: [UInt32], encoding: Int32,
        dictionary: [ParquetValue], into values: inout [ParquetValue]
    ) throws {
        let present = layout.column.nullable ? levels.reduce(0) { $0 + Int($1) } : count
        var decoded: [ParquetValue] = []
        decoded.reserveCapacity(present)
        switch Encoding(rawValue: encoding) {
        case .plain:
            try decodePlain(data, &offset, count: present, into: &decoded)
        case .plainDictionary, .rleDictionary:
            guard offset < data.count || present == 0 else { throw corrupt("missing dictionary index width") }
            if present > 0 {
                let bitWidth = Int(data[offset])
                guard bitWidth <= 32 else { throw corrupt("bad dictionary index width") }
                var indices: [UInt32] = []
                var decoder = RLEHybridDecoder(bytes: UnsafeRawBufferPointer(rebasing: data[(offset + 1)...]), bitWidth: bitWidth)
                try decoder.decode(count: present, into: &indices)
                for index in indices {
                    guard Int(index) < dictionary.count else { throw corrupt("dictionary index out of range") }
                    decoded.append(dictionary[Int(index)])
                }
            }
        case .deltaBinaryPacked:
            guard layout.physicalType == .int32 || layout.physicalType == .int64 else {
                throw corrupt("DELTA_BINARY_PACKED on a \(layout.physicalType) column")
            }
            var integers: [Int64] = []
            integers.reserveCapacity(present)
            var decoder = DeltaBinaryPackedDecoder(bytes: UnsafeRawBufferPointer(rebasing: data[offset...]))
            try decoder.decode(count: present, into: &integers)
            for value in integers {
                switch layout.conversion {
                case .decimal32: decoded.append(.decimal(Int128(Int32(truncatingIfNeeded: value))))
                case .int32: decoded.append(.int(Int64(Int32(truncatingIfNeeded: value))))
                case .decimal64: decoded.append(.decimal(Int128(value)))
                case .int64Millis: decoded.append(.int(value &* 1000))
                default: decoded.append(.int(value))
                }
            }
        default:
            throw ParquetError(.unsupported, "encoding \(encoding)", column: layout.column.name)
        }
        if layout.column.nullable {
            var next = 0
            for level in levels {
                if level == 0 {
                    values.append(.null)
                } else {
                    values.append(decoded[next])
                    next += 1
                }
            }
        } else {
            values.append(contentsOf: decoded)
        }
    }

    private func decodePlain(
        _ data: UnsafeRawBufferPointer, _ offset: inout Int, count: Int, into values: inout [ParquetValue]
    ) throws {
        func need(_ size: Int) throws {
            guard size >= 0, offset + size <= data.count else { throw corrupt("truncated page") }
        }
        switch layout.physicalType {
        case .boolean:
            try need((count + 7) / 8)
            for i in 0..<count {
                values.append(.bool(data[offset + i / 8] >> UInt8(i % 8) & 1 == 1))
            }
            offset += (count + 7) / 8
        case .int32:
            try need(4 * count)
            for _ in 0..<count {
                let value = Int32(littleEndian: data.loadUnaligned(fromByteOffset: offset, as: Int32.self))
                values.append(layout.conversion == .decimal32 ? .decimal(Int128(value)) : .int(Int64(value)))
                offset += 4
            }
        case .int64:
            try need(8 * count)
            for _ in 0..<count {
                let value = Int64(littleEndian: data.loadUnaligned(fromByteOffset: offset, as: Int64.self))
                switch layout.conversion {
                case .decimal64: values.append(.decimal(Int128(value)))
                case .int64Millis: values.append(.int(value &* 1000))
                default: values.append(.int(value))
                }
                offset += 8
            }
        case .float:
            try need(4 * count)
            for _ in 0..<count {
                values.append(.float(Float(bitPattern: UInt32(littleEndian: data.loadUnaligned(fromByteOffset: offset, as: UInt32.self)))))
                offset += 4
            }
        case .double:
            try need(8 * count)
            for _ in 0..<count {
                values.append(.double(Double(bitPattern: UInt64(littleEndian: data.loadUnaligned(fromByteOffset: offset, as: UInt64.self)))))
                offset += 8
            }
        case .byteArray:
            for _ in 0..<count {
                try need(4)
                let length = Int(UInt32(littleEndian: data.loadUnaligned(fromByteOffset: offset, as: UInt32.self)))
                offset += 4
                try need(length)
                let slice = UnsafeRawBufferPointer(rebasing: data[offset..<(offset + length)])
                values.append(layout.conversion == .string ? .string(String(decoding: slice, as: UTF8.self)) : .bytes(Array(slice)))
                offset += length
            }
        case .fixedLenByteArray:
            let width = layout.typeLength
            try need(width * count)
            for _ in 0..<count {
                let slice = UnsafeRawBufferPointer(rebasing: data[offset..<(offset + width)])
                if layout.conversion == .decimalFixed {
                    var value: Int128 = slice[0] >= 0x80 ? -1 : 0  // sign-extend the big-endian bytes
                    for byte in slice { value = value << 8 | Int128(byte) }
                    values.append(.decimal(value))
                } else {
                    values.append(.bytes(Array(slice)))
                }
                offset += width
            }
        case .int96:
            throw ParquetError(.unsupported, "INT96", column: layout.column.name)
        }
    }
}
