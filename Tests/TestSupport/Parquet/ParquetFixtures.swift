import Parquet

/// Schemas and rows with the values readers most often get wrong.
public enum ParquetFixtures {
    public static let types: [(String, ParquetType)] = [
        ("bool", .boolean), ("i8", .int8), ("i16", .int16), ("i32", .int32), ("i64", .int64),
        ("f32", .float), ("f64", .double), ("text", .string), ("json", .json), ("blob", .bytes),
        ("day", .date), ("ts_utc", .timestamp(utc: true)), ("ts_local", .timestamp(utc: false)),
        ("dec9", .decimal(precision: 9, scale: 2)), ("dec18", .decimal(precision: 18, scale: 4)),
        ("dec20", .decimal(precision: 20, scale: 0)), ("dec38", .decimal(precision: 38, scale: 10)),
        ("uuid", .uuid),
    ]

    public static func edgeValues(_ type: ParquetType) -> [ParquetValue] {
        let floats: [Float] = [.nan, .infinity, -.infinity, -0.0, 0, .leastNonzeroMagnitude, .greatestFiniteMagnitude, -1.5, 3.25]
        let doubles: [Double] = [.nan, .infinity, -.infinity, -0.0, 0, .leastNonzeroMagnitude, .greatestFiniteMagnitude, -1e-300, 2.5]
        let p38 = Int128("99999999999999999999999999999999999999")!
        let p20 = Int128("99999999999999999999")!
        switch type {
        case .boolean: return [.bool(true), .bool(false)]
        case .int8: return [-128, 127, 0, -1].map { .int($0) }
        case .int16: return [-32768, 32767, 0, 1].map { .int($0) }
        case .int32: return [Int64(Int32.min), Int64(Int32.max), 0, -1].map { .int($0) }
        case .int64: return [.min, .max, 0, -1, 1].map { .int($0) }
        case .float: return floats.map { .float($0) }
        case .double: return doubles.map { .double($0) }
        case .string: return ["", "héllo wörld", "日本語テキスト", "🎉 emoji 👩‍👩‍👧", "tab\tnew\nline \"quoted\" \\", String(repeating: "long ", count: 300), "ascii"].map { .string($0) }
        case .json: return [#"{"a":[1,2,{"b":null}],"ü":"✓"}"#, "[]", "null", #""text""#].map { .string($0) }
        case .bytes: return [[], [0], [0xFF, 0x00, 0x80], Array(0...255)].map { .bytes($0) }
        case .date: return [-719_162, -1, 0, 19_000, 2_932_896].map { .int($0) }  // 0001-01-01 ... 9999-12-31
        case .timestamp:
            return [-62_135_596_800_000_000, -2_208_988_800_000_001, -1, 0, 1_700_000_000_123_456, 253_402_300_799_999_999].map { .int($0) }
        case .decimal(let precision, _):
            switch precision {
            case 9: return [999_999_999, -999_999_999, 0, -1, 12345].map { .decimal($0) }
            case 18: return [999_999_999_999_999_999, -999_999_999_999_999_999, 0, -1].map { .decimal($0) }
            case 20: return [.decimal(p20), .decimal(-p20), .decimal(0), .decimal(-1), .decimal(Int128(Int64.min) * 10)]
            default: return [.decimal(p38), .decimal(-p38), .decimal(0), .decimal(-1), .decimal(Int128("-12345678901234567890123456789")!)]
            }
        case .uuid:
            return [Array(repeating: 0, count: 16), Array(repeating: 0xFF, count: 16),
                    [0x12, 0x3e, 0x45, 0x67, 0xe8, 0x9b, 0x12, 0xd3, 0xa4, 0x56, 0x42, 0x66, 0x14, 0x17, 0x40, 0x00]].map { .bytes($0) }
        }
    }

    /// Every type as a required and a nullable column; nullable columns get a NULL every third row.
    public static func edgeCases(rows: Int = 24) -> (ParquetSchema, [[ParquetValue]]) {
        var columns: [ParquetColumn] = []
        var values: [[ParquetValue]] = []
        for (name, type) in types {
            columns.append(ParquetColumn(name: name + "_req", type: type, nullable: false))
            columns.append(ParquetColumn(name: name + "_opt", type: type, nullable: true))
            values.append(edgeValues(type))
            values.append(edgeValues(type))
        }
        let data = (0..<rows).map { row in
            columns.indices.map { index -> ParquetValue in
                if columns[index].nullable && row % 3 == 1 { return .null }
                let choices = values[index]
                return choices[(row + index) % choices.count]
            }
        }
        return (ParquetSchema(columns), data)
    }

    public static let branches = (0..<20).map { "branch-\($0)" }
    public static let statuses = ["new", "paid", "shipped"]

    /// An order-like table: several row groups, small pages, dictionary and PLAIN columns.
    public static func orders(rows: Int, seed: UInt64 = 7) -> (ParquetSchema, [[ParquetValue]]) {
        let schema = ParquetSchema([
            ParquetColumn(name: "id", type: .int64, nullable: false),
            ParquetColumn(name: "branch", type: .string, nullable: false),
            ParquetColumn(name: "customer", type: .int64, nullable: false),
            ParquetColumn(name: "amount", type: .decimal(precision: 12, scale: 2), nullable: false),
            ParquetColumn(name: "status", type: .string, nullable: true),
            ParquetColumn(name: "note", type: .string, nullable: true),
            ParquetColumn(name: "created_at", type: .timestamp(utc: true), nullable: false),
            ParquetColumn(name: "updated_at", type: .timestamp(utc: true), nullable: true),
        ])
        var random = SplitMix64(seed: seed)
        let data: [[ParquetValue]] = (0..<rows).map { i in
            let r = random.next()
            return [
                .int(Int64(i) + 1),
                .string(branches[Int(r % 20)]),
                .int(Int64(r >> 8 % 1000)),
                .decimal(Int128(Int64(bitPattern: r >> 20) % 10_000_000) - 5_000_000),
                r % 11 == 0 ? .null : .string(statuses[Int(r >> 5 % 3)]),
                r % 4 == 0 ? .null : .string("note \(random.next())"),
                .int(1_700_000_000_000_000 + Int64(i) * 1_000_000),
                r % 10 == 0 ? .null : .int(1_700_000_000_000_000 + Int64(i) * 1_000_000 + Int64(r % 1000)),
            ]
        }
        return (schema, data)
    }

    /// Integer-backed columns in the shapes DELTA_BINARY_PACKED must get right: sequences,
    /// full-range random values whose deltas wrap around, alternating extremes, constants,
    /// and NULL runs that leave pages with no values at all.
    public static func integers(rows: Int, seed: UInt64 = 11) -> (ParquetSchema, [[ParquetValue]]) {
        let schema = ParquetSchema([
            ParquetColumn(name: "sequence", type: .int64, nullable: false),
            ParquetColumn(name: "random64", type: .int64, nullable: false),
            ParquetColumn(name: "extremes64", type: .int64, nullable: true),
            ParquetColumn(name: "constant", type: .int64, nullable: false),
            ParquetColumn(name: "random32", type: .int32, nullable: false),
            ParquetColumn(name: "extremes32", type: .int32, nullable: true),
            ParquetColumn(name: "small16", type: .int16, nullable: false),
            ParquetColumn(name: "small8", type: .int8, nullable: true),
            ParquetColumn(name: "day", type: .date, nullable: false),
            ParquetColumn(name: "ts", type: .timestamp(utc: true), nullable: true),
            ParquetColumn(name: "dec9", type: .decimal(precision: 9, scale: 2), nullable: false),
            ParquetColumn(name: "dec18", type: .decimal(precision: 18, scale: 4), nullable: true),
        ])
        var random = SplitMix64(seed: seed)
        let data: [[ParquetValue]] = (0..<rows).map { i in
            let r = random.next()
            let nullRun = (100..<400).contains(i)
            return [
                .int(Int64(i) - 5),
                .int(Int64(bitPattern: r)),
                nullRun || r % 5 == 0 ? .null : .int(i % 2 == 0 ? .min : .max),
                .int(42),
                .int(Int64(Int32(truncatingIfNeeded: r >> 7))),
                r % 7 == 0 ? .null : .int(i % 3 == 0 ? Int64(Int32.min) : Int64(Int32.max)),
                .int(Int64(Int16(truncatingIfNeeded: r >> 13))),
                nullRun ? .null : .int(Int64(Int8(truncatingIfNeeded: r >> 29))),
                .int(19_000 + Int64(i / 10) - Int64(r % 3)),
                nullRun || r % 9 == 0 ? .null : .int(1_700_000_000_000_000 + Int64(i) * 250_000 + Int64(r % 250_000)),
                .decimal(Int128(Int64(r % 1_999_999_999)) - 999_999_999),
                r % 4 == 0 ? .null : .decimal(Int128(Int64(r % 1_999_999_999_999_999_999)) - 999_999_999_999_999_999),
            ]
        }
        return (schema, data)
    }
}
