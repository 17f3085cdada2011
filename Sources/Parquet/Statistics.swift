/// The `Statistics` struct of column chunks (and optionally pages).
struct Statistics {
    /// Legacy fields, only written when the column's sort order is signed.
    var max: [UInt8]?
    var min: [UInt8]?
    var nullCount: Int64?
    var maxValue: [UInt8]?
    var minValue: [UInt8]?

    func encode(into e: inout ThriftCompactEncoder) {
        if let max { e.field(1, binary: max) }
        if let min { e.field(2, binary: min) }
        if let nullCount { e.field(3, i64: nullCount) }
        if let maxValue { e.field(5, binary: maxValue) }
        if let minValue { e.field(6, binary: minValue) }
    }

    static func decode(from d: inout ThriftCompactDecoder) throws -> Statistics {
        var stats = Statistics()
        try d.readStruct { d, id, _ in
            switch id {
            case 1: stats.max = try d.readBinary()
            case 2: stats.min = try d.readBinary()
            case 3: stats.nullCount = try d.readI64()
            case 5: stats.maxValue = try d.readBinary()
            case 6: stats.minValue = try d.readBinary()
            default: return false
            }
            return true
        }
        return stats
    }
}
