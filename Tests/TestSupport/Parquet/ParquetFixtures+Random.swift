import Parquet

/// Random schemas, data and writer options from a seeded generator.
extension ParquetFixtures {
    private static let allTypes: [ParquetType] = [
        .boolean, .int8, .int16, .int32, .int64, .float, .double, .string, .json, .bytes, .date,
        .timestamp(utc: true), .timestamp(utc: false), .uuid,
    ]

    private static func randomType(_ random: inout SplitMix64) -> ParquetType {
        if Int.random(in: 0..<6, using: &random) == 0 {
            let precision = Int.random(in: 1...38, using: &random)
            return .decimal(precision: precision, scale: Int.random(in: 0...precision, using: &random))
        }
        return allTypes.randomElement(using: &random)!
    }

    private static func randomText(_ random: inout SplitMix64) -> String {
        let ranges: [ClosedRange<UInt32>] = [0x20...0x7E, 0xA0...0x24F, 0x3040...0x30FF, 0x4E00...0x4FFF, 0x1F300...0x1F64F]
        let length = Int.random(in: 0...12, using: &random)
        var scalars = String.UnicodeScalarView()
        for _ in 0..<length {
            let range = ranges.randomElement(using: &random)!
            scalars.append(Unicode.Scalar(UInt32.random(in: range, using: &random))!)
        }
        return String(scalars)
    }

    private static func randomValue(_ type: ParquetType, _ random: inout SplitMix64, pool: [ParquetValue]) -> ParquetValue {
        if !pool.isEmpty && Bool.random(using: &random) { return pool.randomElement(using: &random)! }
        let edge = Int.random(in: 0..<8, using: &random) == 0
        switch type {
        case .boolean: return .bool(Bool.random(using: &random))
        case .int8: return .int(edge ? [-128, 127].randomElement(using: &random)! : Int64.random(in: -128...127, using: &random))
        case .int16: return .int(Int64.random(in: -32768...32767, using: &random))
        case .int32, .date: return .int(edge ? Int64(Int32.min) : Int64(Int32(truncatingIfNeeded: random.next())))
        case .int64: return .int(edge ? [.min, .max].randomElement(using: &random)! : Int64(bitPattern: random.next()))
        case .timestamp:
            return .int(Int64.random(in: -62_135_596_800_000_000...253_402_300_799_999_999, using: &random))
        case .float: return .float(Float(bitPattern: UInt32(truncatingIfNeeded: random.next())))
        case .double: return .double(edge ? .nan : Double(bitPattern: random.next()))
        case .string: return .string(randomText(&random))
        case .json:
            let text = randomText(&random).replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
            return .string(#"{"n":\#(Int.random(in: -999...999, using: &random)),"s":"\#(text)"}"#)
        case .bytes: return .bytes((0..<Int.random(in: 0...20, using: &random)).map { _ in UInt8.random(in: 0...255, using: &random) })
        case .uuid: return .bytes((0..<16).map { _ in UInt8.random(in: 0...255, using: &random) })
        case .decimal(let precision, _):
            var bound: Int128 = 1
            for _ in 0..<precision { bound *= 10 }
            if edge { return .decimal(Bool.random(using: &random) ? bound - 1 : 1 - bound) }
            let magnitude = (Int128(UInt64.random(in: 0...UInt64.max, using: &random)) << 64 | Int128(random.next())) & Int128.max
            let value = magnitude % bound
            return .decimal(Bool.random(using: &random) ? value : -value)
        }
    }

    /// A random schema, rows and writer options, the same for the same seed.
    public static func randomFile(seed: UInt64) -> (ParquetSchema, [[ParquetValue]], ParquetWriterOptions) {
        var random = SplitMix64(seed: seed)
        let columns = (0..<Int.random(in: 1...8, using: &random)).map { index in
            ParquetColumn(name: "c\(index)", type: randomType(&random), nullable: Bool.random(using: &random))
        }
        let rowCount = Int.random(in: 0...400, using: &random)
        let nullRate = [0.0, 0.1, 0.5, 1.0].randomElement(using: &random)!
        // A small pool of repeated values per column makes dictionary encoding kick in.
        let pools = columns.map { column in
            Bool.random(using: &random) ? (0..<Int.random(in: 1...5, using: &random)).map { _ in randomValue(column.type, &random, pool: []) } : []
        }
        let rows = (0..<rowCount).map { _ in
            columns.indices.map { index -> ParquetValue in
                if columns[index].nullable && Double.random(in: 0..<1, using: &random) < nullRate { return .null }
                return randomValue(columns[index].type, &random, pool: pools[index])
            }
        }
        var options = ParquetWriterOptions()
        options.compression = [.zstd, .snappy, .uncompressed, .zstd(level: 1)].randomElement(using: &random)!
        options.rowGroupMaxRows = Int.random(in: 1...300, using: &random)
        options.dataPageMaxBytes = Int.random(in: 16...8192, using: &random)
        options.dictionaryMaxBytes = [64, 1024, 1 << 20].randomElement(using: &random)!
        options.dictionaryEnabled = Int.random(in: 0..<4, using: &random) != 0
        return (ParquetSchema(columns), rows, options)
    }
}
