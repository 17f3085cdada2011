/// The `SchemaElement` struct of the footer.
struct SchemaElement {
    var type: PhysicalType?
    var typeLength: Int32?
    var repetition: FieldRepetitionType?
    var name: String
    var numChildren: Int32?
    var convertedType: ConvertedType?
    var scale: Int32?
    var precision: Int32?
    var logicalType: LogicalType?

    init(name: String) {
        self.name = name
    }

    func encode(into e: inout ThriftCompactEncoder) {
        if let type { e.field(1, i32: type.rawValue) }
        if let typeLength { e.field(2, i32: typeLength) }
        if let repetition { e.field(3, i32: repetition.rawValue) }
        e.field(4, string: name)
        if let numChildren { e.field(5, i32: numChildren) }
        if let convertedType { e.field(6, i32: convertedType.rawValue) }
        if let scale { e.field(7, i32: scale) }
        if let precision { e.field(8, i32: precision) }
        if let logicalType { e.field(10) { logicalType.encode(into: &$0) } }
    }

    static func decode(from d: inout ThriftCompactDecoder) throws -> SchemaElement {
        var element = SchemaElement(name: "")
        var unknownType = false
        try d.readStruct { d, id, _ in
            switch id {
            case 1:
                let raw = try d.readI32()
                element.type = PhysicalType(rawValue: raw)
                unknownType = element.type == nil
            case 2: element.typeLength = try d.readI32()
            case 3: element.repetition = FieldRepetitionType(rawValue: try d.readI32())
            case 4: element.name = try d.readString()
            case 5: element.numChildren = try d.readI32()
            case 6: element.convertedType = ConvertedType(rawValue: try d.readI32())
            case 7: element.scale = try d.readI32()
            case 8: element.precision = try d.readI32()
            case 10: element.logicalType = try LogicalType.decode(from: &d)
            default: return false
            }
            return true
        }
        if unknownType { throw ParquetError(.unsupported, "unknown physical type", column: element.name) }
        return element
    }
}
