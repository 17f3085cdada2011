@testable import CDC
import Parquet
import Testing

@Suite struct PostgresTypeTests {
    @Test func mapsBuiltinOIDs() {
        let expected: [(UInt32, PostgresType, ParquetType)] = [
            (16, .bool, .boolean), (17, .bytea, .bytes), (18, .char, .string), (19, .name, .string),
            (20, .int8, .int64), (21, .int2, .int16), (23, .int4, .int32), (25, .text, .string),
            (26, .oid, .int64), (114, .json, .json), (700, .float4, .float), (701, .float8, .double),
            (1042, .bpchar, .string), (1043, .varchar, .string), (1082, .date, .date),
            (1114, .timestamp, .timestamp(utc: false)), (1184, .timestamptz, .timestamp(utc: true)),
            (1700, .numeric(nil), .string), (2950, .uuid, .uuid), (3802, .jsonb, .json), (5069, .xid8, .int64),
        ]
        for (oid, type, parquet) in expected {
            let mapped = PostgresType(oid: oid, typmod: -1)
            #expect(mapped == type)
            #expect(mapped.oid == oid)
            #expect(mapped.parquetType == parquet)
            #expect(CaptureColumn(name: "c", typeOid: oid, typmod: -1, textOutput: "x_out").selectExpression() == "\"c\"")
        }
    }

    @Test func unsupportedTypesAreSelectedAsText() {
        for oid: UInt32 in [1083, 1186, 1007, 869, 3904, 99_999] { // time, interval, int4[], inet, int4range, an enum
            let type = PostgresType(oid: oid, typmod: -1)
            #expect(type == .unsupported(oid: oid))
            #expect(type.parquetType == .string)
            // As its output function prints it (what COPY and psql show); `::text` without one.
            #expect(CaptureColumn(name: "My Col", typeOid: oid, typmod: -1, textOutput: "inet_out").selectExpression()
                    == "pg_catalog.textin(inet_out(\"My Col\"))")
            #expect(CaptureColumn(name: "My Col", typeOid: oid, typmod: -1).selectExpression() == "(\"My Col\")::text")
        }
    }

    /// typmod = ((precision << 16) | scale) + 4, scale as 11-bit two's complement since PostgreSQL 15.
    static func typmod(_ precision: Int, _ scale: Int) -> Int32 { Int32((precision << 16) | (scale & 0x7ff)) + 4 }

    @Test func numericTypmodSelectsDecimalOrText() {
        #expect(PostgresType(oid: 1700, typmod: Self.typmod(12, 2)).parquetType == .decimal(precision: 12, scale: 2))
        #expect(PostgresType(oid: 1700, typmod: Self.typmod(38, 0)).parquetType == .decimal(precision: 38, scale: 0))
        #expect(PostgresType(oid: 1700, typmod: Self.typmod(39, 2)).parquetType == .string)
        #expect(PostgresType(oid: 1700, typmod: Self.typmod(1000, 0)).parquetType == .string)
        #expect(PostgresType(oid: 1700, typmod: -1).parquetType == .string)
        // numeric(5,-2): integers of up to 7 digits; numeric(3,5): below 0.001 at scale 5.
        #expect(PostgresType(oid: 1700, typmod: Self.typmod(5, -2)) == .numeric(NumericTypmod(precision: 5, scale: -2)))
        #expect(PostgresType(oid: 1700, typmod: Self.typmod(5, -2)).parquetType == .decimal(precision: 7, scale: 0))
        #expect(PostgresType(oid: 1700, typmod: Self.typmod(3, 5)).parquetType == .decimal(precision: 5, scale: 5))
        #expect(PostgresType(oid: 1700, typmod: 786_438) == .numeric(NumericTypmod(precision: 12, scale: 2))) // real atttypmod of numeric(12,2)
    }
}
